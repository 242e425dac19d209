// ConversationSettingsDialog: the open conversation's system prompt and generation settings.
// Values equal to the app-wide defaults are not overrides (the controller keeps only what
// differs); "Reset to defaults" drops every override.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property bool hasOverrides: false
    signal saved(string systemPrompt, var settings)
    signal resetRequested()

    function openWith(prompt, current, overridden) {
        promptField.text = prompt
        form.load(current)
        hasOverrides = overridden === true
        open()
    }

    title: qsTr("Conversation settings")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 560, 560)
    standardButtons: Dialog.Save | Dialog.Cancel
    onAccepted: saved(promptField.text, form.values())

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing
        Label { text: qsTr("System prompt"); font.bold: true; color: Theme.text }
        ScrollView {
            Layout.fillWidth: true
            Layout.preferredHeight: 90
            TextArea {
                id: promptField
                objectName: "systemPromptField"
                wrapMode: TextEdit.Wrap
                color: Theme.text
                placeholderText: qsTr("How the assistant should behave in this conversation")
                placeholderTextColor: Theme.textMuted
                background: Rectangle { color: Theme.surface; border.color: Theme.border; radius: Theme.radius }
            }
        }
        Label { text: qsTr("Generation"); font.bold: true; color: Theme.text }
        GenerationSettingsForm {
            id: form
            objectName: "generationForm"
            Layout.fillWidth: true
        }
        RowLayout {
            Layout.fillWidth: true
            Label {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                text: root.hasOverrides ? qsTr("This conversation has its own settings.")
                                        : qsTr("This conversation follows the defaults from Settings.")
                color: Theme.textMuted
                font.pixelSize: Theme.smallFontSize
            }
            Button {
                objectName: "resetButton"
                text: qsTr("Reset to defaults")
                enabled: root.hasOverrides
                onClicked: { root.resetRequested(); root.reject() }
            }
        }
    }
}
