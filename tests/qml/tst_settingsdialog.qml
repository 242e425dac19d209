// ConversationSettingsDialog: opens with the current values and saves what was edited.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 800; height: 600

    ConversationSettingsDialog { id: dialog }
    SignalSpy { id: savedSpy; target: dialog; signalName: "saved" }

    TestCase {
        name: "ConversationSettingsDialog"
        when: windowShown

        function test_roundTrip() {
            dialog.openWith("Be terse.", { temperature: 0.7, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.1,
                                          seed: 7, max_tokens: 256 })
            tryVerify(() => dialog.opened)
            compare(findChild(dialog.contentItem, "systemPromptField").text, "Be terse.")
            const temperature = findChild(dialog.contentItem, "temperatureField")
            compare(temperature.text, "0.7")
            temperature.text = "0.2"
            dialog.accept()
            compare(savedSpy.count, 1)
            compare(savedSpy.signalArguments[0][0], "Be terse.")
            const saved = savedSpy.signalArguments[0][1]
            compare(saved.temperature, 0.2)
            compare(saved.top_k, 40)
            compare(saved.seed, 7)
            compare(saved.max_tokens, 256)
        }
    }
}
