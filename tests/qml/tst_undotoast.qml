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
        function test_expires() {
            toast.show("Deleted")
            expiredSpy.wait(2000)
            verify(!toast.visible)
            compare(undoSpy.count, 0)
        }
    }
}
