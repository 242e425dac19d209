// VK_CHECK: every Vulkan call goes through it; a failure throws VulkanError naming the
// file, line, call and the VkResult.
#pragma once

#include <vulkan/vulkan.h>
#include <stdexcept>
#include <string>

namespace enclave::vulkan {

class VulkanError : public std::runtime_error {
public:
    VulkanError(VkResult result, const std::string &what) : std::runtime_error(what), m_result(result) {}
    VkResult result() const { return m_result; }
private:
    VkResult m_result;
};

const char *vkResultName(VkResult result);

[[noreturn]] inline void throwVulkanError(VkResult result, const char *call, const char *file, int line)
{
    throw VulkanError(result, std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " +
                                  vkResultName(result));
}

} // namespace enclave::vulkan

#define VK_CHECK(call)                                                                        \
    do {                                                                                      \
        const VkResult enclaveVkResult_ = (call);                                             \
        if (enclaveVkResult_ != VK_SUCCESS)                                                   \
            ::enclave::vulkan::throwVulkanError(enclaveVkResult_, #call, __FILE__, __LINE__); \
    } while (0)
