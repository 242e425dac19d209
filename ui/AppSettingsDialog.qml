// AppSettingsDialog: app-wide settings — theme, text size, CPU threads — and where the data
// lives. Changes apply at once; the dialog emits them and holds no state of its own.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

Dialog {
    id: root
    property string theme: "system"
    property int fontSize: 14
    property int threads: 0
    property int cpuCount: 1
    property string dataDirectory: ""
    signal themeChosen(string theme)
    signal fontSizeChosen(int size)
    signal threadsChosen(int threads)
    signal openDataDirectoryRequested()

    readonly property var themes: ["system", "light", "dark"]

    title: qsTr("Settings")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 480, 480)
    standardButtons: Dialog.Close

    GridLayout {
        anchors.fill: parent
        columns: 2
        columnSpacing: Theme.spacing * 2
        rowSpacing: Theme.spacing
        Label { text: qsTr("Theme") }
        ComboBox {
            objectName: "themeBox"
            Layout.fillWidth: true
            model: [qsTr("Follow the system"), qsTr("Light"), qsTr("Dark")]
            currentIndex: Math.max(0, root.themes.indexOf(root.theme))
            onActivated: (index) => root.themeChosen(root.themes[index])
        }
        Label { text: qsTr("Text size") }
        SpinBox {
            objectName: "fontSizeBox"
            from: 10; to: 24
            value: root.fontSize
            onValueModified: root.fontSizeChosen(value)
        }
        Label { text: qsTr("CPU threads") }
        RowLayout {
            SpinBox {
                objectName: "threadsBox"
                from: 0; to: root.cpuCount
                value: root.threads
                onValueModified: root.threadsChosen(value)
            }
            Label {
                text: qsTr("0 uses all %1 cores").arg(root.cpuCount)
                color: Theme.textMuted
                font.pixelSize: Theme.smallFontSize
            }
        }
        Label { text: qsTr("Data folder") }
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
