// CodeBlock: monospace, language label, Copy hands back the raw code, colours come from the
// highlighter (escaped), long lines scroll sideways instead of wrapping.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 500; height: 400

    CodeBlock {
        id: block
        width: 400
        language: "py"
        code: "def f(x):\n    return x < 1  # <b>not bold</b>"
    }
    CodeBlock {
        id: wide
        y: 150
        width: 300
        language: "nonsense"
        code: "x = '" + "a".repeat(300) + "'"
    }
    SignalSpy { id: copySpy; target: block; signalName: "copyRequested" }

    TestCase {
        name: "CodeBlock"
        when: windowShown

        function test_labelAndFont() {
            compare(findChild(block, "languageLabel").text, "Python")
            compare(findChild(wide, "languageLabel").text, "nonsense")
            const text = findChild(block, "codeText")
            compare(text.font.family, "monospace")
            compare(text.wrapMode, TextEdit.NoWrap)
        }
        function test_copyGivesRawCode() {
            mouseClick(findChild(block, "copyCodeButton"))
            compare(copySpy.count, 1)
            compare(copySpy.signalArguments[0][0], block.code)
            compare(findChild(block, "copyCodeButton").text, "Copied")
        }
        function test_highlightedAndEscaped() {
            const text = findChild(block, "codeText")
            verify(text.text.indexOf("color:") >= 0)  // coloured
            verify(text.text.indexOf("&lt;b&gt;") >= 0, text.text)  // the code's own markup stays text
            compare(text.getText(0, text.length).indexOf("<b>not bold</b>") >= 0, true)
            // Unknown languages are plain but still escaped.
            verify(findChild(wide, "codeText").text.indexOf("color:") < 0)
        }
        function test_longLinesScroll() {
            const scroller = findChild(wide, "codeScroller")
            verify(scroller.contentWidth > scroller.width)
            verify(findChild(wide, "codeScrollBar").visible)
            verify(!findChild(block, "codeScrollBar").visible)
            const before = wide.height
            wide.code = wide.code + "b".repeat(100) // a longer line does not change the height
            compare(wide.height, before)
        }
    }
}
