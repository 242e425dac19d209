// UndoToast: shows a message, Undo fires once and hides it, the timeout expires it.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 600; height: 200

    UndoToast { id: toast; timeout: 150 }
    SignalSpy { id: undoSpy; target: toast; signalName: "undoRequested" }
    SignalSpy { id: expiredSpy; target: toast; signalName: "expired" }

    TestCase {
        name: "UndoToast"
        when: windowShown

        function init() { undoSpy.clear(); expiredSpy.clear() }

        function test_undo() {
            toast.show("Deleted “Trip”")
            verify(toast.visible)
            compare(findChild(toast, "toastText").text, "Deleted “Trip”")
            mouseClick(findChild(toast, "undoButton"))
            compare(undoSpy.count, 1)
            verify(!toast.visible)
            wait(250)
            compare(expiredSpy.count, 0)
        }
        // WCAG relative luminance and contrast of two colours.
        function luminance(c) {
            const f = (v) => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)
            return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b)
        }
        function contrast(a, b) {
            const la = luminance(a), lb = luminance(b)
            return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
        }

        // Undo and the message are readable on the toast in both themes (WCAG AA: 4.5).
        function test_undoIsReadable() {
            const wasDark = Theme.dark
            for (const dark of [false, true]) {
                Theme.dark = dark
                const undo = findChild(toast, "undoButton")
                verify(contrast(undo.palette.windowText, toast.color) >= 4.5, "Undo, dark " + dark)
                verify(contrast(findChild(toast, "toastText").color, toast.color) >= 4.5, "message, dark " + dark)
            }
            Theme.dark = wasDark
        }

        function test_expires() {
            toast.show("Deleted")
            expiredSpy.wait(2000)
            verify(!toast.visible)
            compare(undoSpy.count, 0)
        }
    }
}
