// AppSettingsDialog: shows the current values and emits each change.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 800; height: 600

    AppSettingsDialog { id: dialog; theme: "dark"; fontSize: 15; threads: 2; cpuCount: 8; dataDirectory: "/home/me/.local/share/enclave" }
    SignalSpy { id: themeSpy; target: dialog; signalName: "themeChosen" }
    SignalSpy { id: sizeSpy; target: dialog; signalName: "fontSizeChosen" }

    TestCase {
        name: "AppSettingsDialog"
        when: windowShown

        function test_valuesAndChanges() {
            dialog.open()
            tryVerify(() => dialog.opened)
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
            dialog.close()
        }
    }
}
