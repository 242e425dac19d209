// Vulkan physical-device discovery. Plain C++ interface; callers need no Vulkan headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace enclave::vulkan {

struct VulkanDeviceInfo {
    std::string name;
    std::string type;        // discrete | integrated | virtual | cpu | other
    uint32_t apiVersion = 0; // VK_MAKE_API_VERSION
    uint32_t vendorId = 0;
    uint64_t deviceLocalMemory = 0; // bytes in device-local heaps
    bool hasComputeQueue = false;
};

struct VulkanDeviceList {
    std::vector<VulkanDeviceInfo> devices;
    std::string unavailableReason; // why the list is empty, when it is
};

VulkanDeviceList listVulkanDevices();
std::string apiVersionString(uint32_t version);

} // namespace enclave::vulkan
