// ConversationSettingsDialog: opens with the current values, saves what was edited, and
// offers "Reset to defaults" only when the conversation has its own settings.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 800; height: 700

    ConversationSettingsDialog { id: dialog }
    SignalSpy { id: savedSpy; target: dialog; signalName: "saved" }
    SignalSpy { id: resetSpy; target: dialog; signalName: "resetRequested" }

    readonly property var current: ({ temperature: 0.7, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.1,
                                      seed: 7, max_tokens: 256, context_length: 4096 })

    TestCase {
        name: "ConversationSettingsDialog"
        when: windowShown

        function test_roundTrip() {
            dialog.openWith("Be terse.", current, true)
            tryVerify(() => dialog.opened)
            compare(findChild(dialog.contentItem, "systemPromptField").text, "Be terse.")
            const temperature = findChild(dialog.contentItem, "temperatureField")
            compare(temperature.text, "0.7")
            compare(findChild(dialog.contentItem, "contextLengthField").text, "4096")
            temperature.text = "0.2"
            dialog.accept()
            compare(savedSpy.count, 1)
            compare(savedSpy.signalArguments[0][0], "Be terse.")
            const saved = savedSpy.signalArguments[0][1]
            compare(saved.temperature, 0.2)
            compare(saved.top_k, 40)
            compare(saved.seed, 7)
            compare(saved.max_tokens, 256)
            compare(saved.context_length, 4096)
        }
        function test_reset() {
            const savedBefore = savedSpy.count
            dialog.openWith("", current, false)
            tryVerify(() => dialog.opened)
            verify(!findChild(dialog.contentItem, "resetButton").enabled)
            dialog.close()
            tryVerify(() => !dialog.visible)
            dialog.openWith("Mine", current, true)
            tryVerify(() => dialog.opened)
            const reset = findChild(dialog.contentItem, "resetButton")
            verify(reset.enabled)
            mouseClick(reset)
            compare(resetSpy.count, 1)
            tryVerify(() => !dialog.visible)
            compare(savedSpy.count, savedBefore) // resetting does not also save
        }
    }
}
