// MessageBubble: answers render Markdown, user text stays literal; the action row emits
// regenerate, copy, edit and branch navigation; stats read as a sentence.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 700; height: 500

    MessageBubble {
        id: answer
        width: 600
        role: "assistant"
        content: "# Title\n\n- one\n- two\n\n`code`"
        branchIndex: 2
        branchCount: 3
        stats: ({ generated_tokens: 42, generation_tokens_per_second: 12.5, time_to_first_token_ms: 250,
                  prompt_tokens_per_second: 300, device: "CPU" })
    }
    MessageBubble {
        id: question
        y: 250
        width: 600
        role: "user"
        content: "# not a heading"
    }
    SignalSpy { id: regenerateSpy; target: answer; signalName: "regenerateRequested" }
    SignalSpy { id: branchSpy; target: answer; signalName: "branchRequested" }
    SignalSpy { id: copySpy; target: answer; signalName: "copyRequested" }
    SignalSpy { id: editSpy; target: question; signalName: "editSubmitted" }

    TestCase {
        name: "MessageBubble"
        when: windowShown

        function test_markdownForAnswersOnly() {
            compare(findChild(answer, "messageText").textFormat, TextEdit.MarkdownText)
            compare(findChild(question, "messageText").textFormat, TextEdit.PlainText)
        }
        function test_actions() {
            mouseClick(findChild(answer, "regenerateButton"))
            compare(regenerateSpy.count, 1)
            mouseClick(findChild(answer, "copyButton"))
            compare(copySpy.signalArguments[0][0], answer.content)
            compare(findChild(answer, "branchLabel").text, "2/3")
            mouseClick(findChild(answer, "branchPrevious"))
            mouseClick(findChild(answer, "branchNext"))
            compare(branchSpy.count, 2)
            compare(branchSpy.signalArguments[0][0], -1)
            compare(branchSpy.signalArguments[1][0], 1)
            verify(!findChild(question, "regenerateButton").visible)
            verify(!findChild(answer, "editButton").visible)
        }
        function test_stats() {
            const text = findChild(answer, "statsLabel").text
            verify(text.indexOf("12.5 tok/s") >= 0, text)
            verify(text.indexOf("42 tokens") >= 0, text)
            verify(text.indexOf("CPU") >= 0, text)
        }
        function test_edit() {
            mouseClick(findChild(question, "editButton"))
            const editor = findChild(question, "messageEditor")
            verify(editor.visible)
            editor.text = "rewritten"
            keyClick(Qt.Key_Return)
            compare(editSpy.count, 1)
            compare(editSpy.signalArguments[0][0], "rewritten")
            verify(!editor.visible)
        }
    }
}
