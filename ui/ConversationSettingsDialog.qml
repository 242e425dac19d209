// ConversationSettingsDialog: the open conversation's system prompt and generation
// settings. Emits saved(prompt, settings) with every value the user can set.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property var settings: ({})
    property string systemPrompt: ""
    signal saved(string systemPrompt, var settings)

    function openWith(prompt, current) {
        systemPrompt = prompt
        settings = current
        promptField.text = prompt
        temperature.text = String(current.temperature)
        topK.text = String(current.top_k)
        topP.text = String(current.top_p)
        minP.text = String(current.min_p)
        repeatPenalty.text = String(current.repeat_penalty)
        seed.text = String(current.seed)
        maxTokens.text = String(current.max_tokens)
        open()
    }
    function collected() {
        return { temperature: Number(temperature.text), top_k: parseInt(topK.text), top_p: Number(topP.text),
                 min_p: Number(minP.text), repeat_penalty: Number(repeatPenalty.text), seed: parseInt(seed.text),
                 max_tokens: parseInt(maxTokens.text) }
    }

    title: qsTr("Conversation settings")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 520, 520)
    standardButtons: Dialog.Save | Dialog.Cancel
    onAccepted: saved(promptField.text, collected())

    component NumberField: TextField {
        Layout.fillWidth: true
        inputMethodHints: Qt.ImhFormattedNumbersOnly
        validator: DoubleValidator { bottom: 0 }
        color: acceptableInput ? Theme.text : Theme.error
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing
        Label { text: qsTr("System prompt"); font.bold: true }
        ScrollView {
            Layout.fillWidth: true
            Layout.preferredHeight: 90
            TextArea {
                id: promptField
                objectName: "systemPromptField"
                wrapMode: TextEdit.Wrap
                placeholderText: qsTr("How the assistant should behave in this conversation")
            }
        }
        GridLayout {
            columns: 4
            columnSpacing: Theme.spacing
            Layout.fillWidth: true
            Label { text: qsTr("Temperature") }
            NumberField { id: temperature; objectName: "temperatureField" }
            Label { text: qsTr("Top-k") }
            NumberField { id: topK; validator: IntValidator { bottom: 0 } }
            Label { text: qsTr("Top-p") }
            NumberField { id: topP }
            Label { text: qsTr("Min-p") }
            NumberField { id: minP }
            Label { text: qsTr("Repeat penalty") }
            NumberField { id: repeatPenalty }
            Label { text: qsTr("Seed (0: random)") }
            NumberField { id: seed; validator: IntValidator { bottom: 0 } }
            Label { text: qsTr("Max answer tokens") }
            NumberField { id: maxTokens; validator: IntValidator { bottom: 1 } }
        }
    }
}
