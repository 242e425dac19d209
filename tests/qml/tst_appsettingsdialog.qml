// AppSettingsDialog: shows the current values and emits each change — theme, text size, the
// GPU memory budget (automatic or MiB), the GPUs found, and the defaults of new conversations.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 800; height: 900

    AppSettingsDialog {
        id: dialog
        theme: "dark"; fontSize: 15; threads: 2; cpuCount: 8; dataDirectory: "/home/me/.local/share/enclave"
        generationDefaults: ({ temperature: 0.7, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1,
                               seed: 0, max_tokens: 1024, context_length: 0 })
        defaultSystemPrompt: "Be kind."
    }
    SignalSpy { id: themeSpy; target: dialog; signalName: "themeChosen" }
    SignalSpy { id: sizeSpy; target: dialog; signalName: "fontSizeChosen" }
    SignalSpy { id: vramSpy; target: dialog; signalName: "vramBudgetChosen" }
    SignalSpy { id: useGpuSpy; target: dialog; signalName: "useGpuChosen" }
    SignalSpy { id: defaultsSpy; target: dialog; signalName: "generationDefaultsChosen" }
    SignalSpy { id: resetSpy; target: dialog; signalName: "resetDefaultsRequested" }

    TestCase {
        name: "AppSettingsDialog"
        when: windowShown

        function init() { dialog.open(); tryVerify(() => dialog.opened) }
        function cleanup() { dialog.close(); tryVerify(() => !dialog.visible) }

        function test_valuesAndChanges() {
            const themeBox = findChild(dialog.contentItem, "themeBox")
            compare(themeBox.currentIndex, 2)
            compare(findChild(dialog.contentItem, "fontSizeBox").value, 15)
            compare(findChild(dialog.contentItem, "dataDirectoryLabel").text, "/home/me/.local/share/enclave")
            themeBox.activated(1)
            compare(themeSpy.count, 1)
            compare(themeSpy.signalArguments[0][0], "light")
            const size = findChild(dialog.contentItem, "fontSizeBox")
            size.increase()
            size.valueModified()
            compare(sizeSpy.signalArguments[0][0], 16)
        }
        function test_gpuMemory() {
            dialog.vramBudgetMiB = 0
            const auto = findChild(dialog.contentItem, "vramAutoBox")
            const budget = findChild(dialog.contentItem, "vramBudgetBox")
            verify(auto.checked)
            verify(!budget.enabled)
            verify(findChild(dialog.contentItem, "noGpuLabel").visible)
            dialog.gpus = [{ name: "NVIDIA H100", totalMiB: 81559, freeMiB: 80000, compute: "9.0" }]
            verify(!findChild(dialog.contentItem, "noGpuLabel").visible)
            verify(findChild(dialog.contentItem, "gpuLabel").text.indexOf("NVIDIA H100") >= 0)
            // The budget applies only when models run on the GPU.
            const useGpu = findChild(dialog.contentItem, "useGpuBox")
            verify(useGpu.enabled)
            verify(!useGpu.checked)
            mouseClick(auto)
            compare(vramSpy.count, 0)
            mouseClick(useGpu)
            compare(useGpuSpy.count, 1)
            compare(useGpuSpy.signalArguments[0][0], true)
            dialog.useGpu = true
            mouseClick(auto)
            compare(vramSpy.count, 1)
            compare(vramSpy.signalArguments[0][0], 77 * 1024) // a round default below the free memory
            dialog.vramBudgetMiB = 8192
            verify(budget.enabled)
            compare(budget.value, 8192)
            budget.increase()
            budget.valueModified()
            compare(vramSpy.signalArguments[1][0], 8448)
            mouseClick(auto)
            compare(vramSpy.signalArguments[2][0], 0)
            dialog.gpus = []
            verify(!useGpu.enabled) // no GPU: nothing to turn on
            dialog.useGpu = false
        }
        function test_defaults() {
            compare(findChild(dialog.contentItem, "defaultSystemPromptField").text, "Be kind.")
            const temperature = findChild(findChild(dialog.contentItem, "defaultsForm"), "temperatureField")
            compare(temperature.text, "0.7")
            temperature.text = "0.3"
            temperature.editingFinished()
            compare(defaultsSpy.count, 1)
            compare(defaultsSpy.signalArguments[0][0].temperature, 0.3)
            compare(defaultsSpy.signalArguments[0][0].max_tokens, 1024)
            temperature.text = "abc" // invalid input is not sent
            temperature.editingFinished()
            compare(defaultsSpy.count, 1)
            mouseClick(findChild(dialog.contentItem, "resetDefaultsButton"))
            compare(resetSpy.count, 1)
        }
    }
}
