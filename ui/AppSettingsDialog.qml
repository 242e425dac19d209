// AppSettingsDialog: app-wide settings — theme, text size, CPU threads, GPU memory budget,
// the defaults of new conversations — and where the data lives. Changes apply at once; the
// dialog emits them and holds no state of its own.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property string theme: "system"
    property int fontSize: 14
    property int threads: 0
    property int cpuCount: 1
    property int vramBudgetMiB: 0          // 0: automatic
    property bool useGpu: false            // run on the NVIDIA GPU (experts that do not fit: CPU)
    property var gpus: []                  // [{name, totalMiB, freeMiB, compute}]
    property var generationDefaults: ({})
    property string defaultSystemPrompt: ""
    property string dataDirectory: ""
    signal themeChosen(string theme)
    signal fontSizeChosen(int size)
    signal threadsChosen(int threads)
    signal vramBudgetChosen(int mib)
    signal useGpuChosen(bool use)
    signal generationDefaultsChosen(var settings)
    signal defaultSystemPromptChosen(string prompt)
    signal resetDefaultsRequested()
    signal openDataDirectoryRequested()

    readonly property var themes: ["system", "light", "dark"]

    function gpuText(g) {
        return qsTr("%1 — %2 GiB, %3 GiB free").arg(g.name).arg((g.totalMiB / 1024).toFixed(1))
                                                .arg((g.freeMiB / 1024).toFixed(1))
    }

    title: qsTr("Settings")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 760, 760)
    height: Math.min(parent ? parent.height - 40 : 720, implicitHeight)
    standardButtons: Dialog.Close
    onAboutToShow: {
        form.load(generationDefaults)
        promptField.text = defaultSystemPrompt
    }
    onGenerationDefaultsChanged: if (visible) form.load(generationDefaults)
    onDefaultSystemPromptChanged: if (visible && !promptField.activeFocus) promptField.text = defaultSystemPrompt

    component Heading: Label { font.bold: true; color: Theme.text; Layout.columnSpan: 2; topPadding: 6 }
    component Hint: Label { color: Theme.textMuted; font.pixelSize: Theme.smallFontSize; wrapMode: Text.Wrap; Layout.fillWidth: true }

    ScrollView {
        id: scroller
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true

        GridLayout {
            width: scroller.availableWidth
            columns: 2
            columnSpacing: Theme.spacing * 2
            rowSpacing: Theme.spacing

            Heading { text: qsTr("Appearance"); topPadding: 0 }
            Label { text: qsTr("Theme"); color: Theme.text }
            ComboBox {
                objectName: "themeBox"
                Layout.fillWidth: true
                model: [qsTr("Follow the system"), qsTr("Light"), qsTr("Dark")]
                currentIndex: Math.max(0, root.themes.indexOf(root.theme))
                onActivated: (index) => root.themeChosen(root.themes[index])
            }
            Label { text: qsTr("Text size"); color: Theme.text }
            SpinBox {
                objectName: "fontSizeBox"
                from: 10; to: 24
                value: root.fontSize
                onValueModified: root.fontSizeChosen(value)
            }

            Heading { text: qsTr("Performance") }
            Label { text: qsTr("CPU threads"); color: Theme.text }
            RowLayout {
                SpinBox {
                    objectName: "threadsBox"
                    from: 0; to: root.cpuCount
                    value: root.threads
                    onValueModified: root.threadsChosen(value)
                }
                Hint { text: qsTr("0 uses all %1 cores").arg(root.cpuCount) }
            }
            Label { text: qsTr("GPU memory"); color: Theme.text; Layout.alignment: Qt.AlignTop; topPadding: 8 }
            ColumnLayout {
                Layout.fillWidth: true
                CheckBox {
                    objectName: "useGpuBox"
                    text: qsTr("Run models on the GPU")
                    enabled: root.gpus.length > 0
                    checked: root.useGpu && root.gpus.length > 0
                    onToggled: root.useGpuChosen(checked)
                }
                RowLayout {
                    enabled: root.useGpu && root.gpus.length > 0
                    CheckBox {
                        objectName: "vramAutoBox"
                        text: qsTr("Automatic")
                        checked: root.vramBudgetMiB === 0
                        onToggled: root.vramBudgetChosen(checked ? 0 : Math.max(1024, root.gpus.length > 0
                                                                   ? Math.floor(root.gpus[0].freeMiB / 1024) * 1024 - 1024 : 4096))
                    }
                    SpinBox {
                        objectName: "vramBudgetBox"
                        enabled: root.vramBudgetMiB > 0
                        from: 256; to: 1048576; stepSize: 256
                        editable: true
                        value: root.vramBudgetMiB > 0 ? root.vramBudgetMiB : 4096
                        onValueModified: root.vramBudgetChosen(value)
                    }
                    Label { text: qsTr("MiB"); color: Theme.textMuted }
                }
                Hint {
                    text: (root.vramBudgetMiB === 0 ? qsTr("Uses the free GPU memory minus a safety margin.")
                                                    : qsTr("At most this much GPU memory."))
                          + " " + qsTr("The most used experts go to the GPU, the others run on the CPU. Applies when a model is loaded.")
                }
                Repeater {
                    model: root.gpus
                    delegate: Label {
                        required property var modelData
                        objectName: "gpuLabel"
                        Layout.fillWidth: true
                        text: root.gpuText(modelData)
                        color: Theme.text
                        elide: Text.ElideRight
                    }
                }
                Label {
                    objectName: "noGpuLabel"
                    visible: root.gpus.length === 0
                    text: qsTr("No NVIDIA GPU found — runs on the CPU")
                    color: Theme.textMuted
                }
            }

            Heading { text: qsTr("New conversations") }
            Label { text: qsTr("System prompt"); color: Theme.text; Layout.alignment: Qt.AlignTop; topPadding: 8 }
            TextArea {
                id: promptField
                objectName: "defaultSystemPromptField"
                Layout.fillWidth: true
                Layout.preferredHeight: Math.max(60, implicitHeight)
                wrapMode: TextEdit.Wrap
                color: Theme.text
                placeholderText: qsTr("Used by every conversation without its own")
                placeholderTextColor: Theme.textMuted
                background: Rectangle { color: Theme.surface; border.color: Theme.border; radius: Theme.radius }
                onEditingFinished: if (text.trim() !== root.defaultSystemPrompt) root.defaultSystemPromptChosen(text)
            }
            GenerationSettingsForm {
                id: form
                objectName: "defaultsForm"
                Layout.columnSpan: 2
                Layout.fillWidth: true
                onEdited: root.generationDefaultsChosen(values())
            }
            Item { Layout.fillWidth: true; implicitHeight: 1 }
            Button {
                objectName: "resetDefaultsButton"
                Layout.alignment: Qt.AlignRight
                text: qsTr("Restore the built-in defaults")
                onClicked: root.resetDefaultsRequested()
            }

            Heading { text: qsTr("Data") }
            Label { text: qsTr("Data folder"); color: Theme.text }
            RowLayout {
                Layout.fillWidth: true
                Label {
                    objectName: "dataDirectoryLabel"
                    Layout.fillWidth: true
                    text: root.dataDirectory
                    elide: Text.ElideMiddle
                    color: Theme.textMuted
                }
                Button { text: qsTr("Open"); onClicked: root.openDataDirectoryRequested() }
            }
        }
    }
}
