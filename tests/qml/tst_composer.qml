// Composer: Enter sends and clears, Shift+Enter adds a line, blank text never sends; a
// text given back goes before what was typed since.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 600; height: 200

    Composer { id: composer; width: 500 }
    SignalSpy { id: spy; target: composer; signalName: "submitted" }

    TestCase {
        name: "Composer"
        when: windowShown

        function init() { composer.text = ""; spy.clear(); composer.canSend = true }

        function test_enterSends() {
            composer.focusInput()
            keyClick("h"); keyClick("i")
            keyClick(Qt.Key_Return)
            compare(spy.count, 1)
            compare(spy.signalArguments[0][0], "hi")
            compare(composer.text, "")
        }
        function test_shiftEnterAddsLine() {
            composer.focusInput()
            keyClick("a"); keyClick(Qt.Key_Return, Qt.ShiftModifier); keyClick("b")
            compare(spy.count, 0)
            compare(composer.text, "a\nb")
        }
        function test_blankDoesNotSend() {
            composer.text = "   \n "
            composer.send()
            compare(spy.count, 0)
        }
        function test_sendButton() {
            composer.text = "  button  "
            const button = findChild(composer, "sendButton")
            verify(button.enabled)
            mouseClick(button)
            compare(spy.count, 1)
            compare(spy.signalArguments[0][0], "button")
        }
        function test_restoreDraft() {
            composer.restoreDraft("first")
            compare(composer.text, "first")
            composer.text = "typed since"
            composer.restoreDraft("not saved")
            compare(composer.text, "not saved\ntyped since")
        }
        function test_disabledKeepsText() {
            composer.canSend = false
            composer.text = "wait"
            composer.send()
            compare(spy.count, 0)
            compare(composer.text, "wait")
        }
    }
}
