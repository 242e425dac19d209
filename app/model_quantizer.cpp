// ModelQuantizer: QtConcurrent around convertToGguf.
#include "app/model_quantizer.h"
#include "engine/model/printable.h"

#include "engine/tools/model_converter.h"

#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

namespace enclave::app {

ModelQuantizer::ModelQuantizer(QObject *parent) : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &ModelQuantizer::onFinished);
}

ModelQuantizer::~ModelQuantizer()
{
    cancel();
    m_watcher.waitForFinished();
}

void ModelQuantizer::start(const QString &input, const QString &output, const QString &type)
{
    if (running())
        return;
    const std::optional<QuantMix> mix = quantMixFromName(type.toStdString());
    if (!mix) {
        emit failed(tr("Unknown quantization type %1").arg(type), false);
        return;
    }
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_output = output;
    m_progress = 0.0;
    emit progressChanged(0.0);
    ConvertOptions o;
    o.mix = *mix;
    o.cancel = m_cancel.get();
    if (m_freeSpace)
        o.freeSpace = [fn = m_freeSpace](const std::string &folder) { return fn(QString::fromStdString(folder)); };
    // Progress is posted to this object's thread; at most one post per percent.
    QPointer<ModelQuantizer> self(this);
    auto lastPercent = std::make_shared<int>(-1);
    o.progress = [self, lastPercent](double fraction) {
        const int percent = int(fraction * 100);
        if (percent == *lastPercent)
            return;
        *lastPercent = percent;
        QMetaObject::invokeMethod(self, [self, fraction] {
            if (self) {
                self->m_progress = fraction;
                emit self->progressChanged(fraction);
            }
        }, Qt::QueuedConnection);
    };
    auto cancelFlag = m_cancel; // keeps the flag alive for the job
    m_watcher.setFuture(QtConcurrent::run([input, output, o, cancelFlag]() -> Outcome {
        try {
            convertToGguf(input.toStdString(), output.toStdString(), o);
            return {};
        } catch (const ConversionCancelled &) {
            return {tr("Quantization cancelled"), true};
        } catch (const std::exception &e) {
            return {QString::fromStdString(enclave::printableText(e.what())), false};
        }
    }));
}

void ModelQuantizer::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void ModelQuantizer::onFinished()
{
    const Outcome outcome = m_watcher.result();
    if (outcome.error.isEmpty())
        emit finished(m_output);
    else
        emit failed(outcome.error, outcome.cancelled);
}

} // namespace enclave::app
