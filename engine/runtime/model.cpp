// Model::load: open the file(s), read the hyper-parameters, map every weight.
#include "engine/runtime/model.h"

#include "engine/arch/architectures.h"
#include "engine/model/model_file_error.h"

#include <stdexcept>

namespace enclave {

std::unique_ptr<Model> Model::load(const std::string &path)
{
    std::unique_ptr<Model> model(new Model);
    model->m_path = path;
    model->m_files = std::make_unique<ModelFiles>(path);
    try {
        model->m_config = readModelConfig(*model->m_files);
        model->m_weights = loadModelWeights(*model->m_files, model->m_config, model->m_owned);
    } catch (const ModelFileError &) {
        throw; // names its file after a plain first line already
    } catch (const std::exception &e) {
        // Hyper-parameters out of range, a missing tensor, a shape that does not match: the
        // person needs to know the file is unusable; the log keeps which check failed.
        throw ModelFileError("This model file describes a model that cannot be loaded; it may be damaged.",
                             path + ": " + e.what());
    }
    return model;
}

} // namespace enclave
