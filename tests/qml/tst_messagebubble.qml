// MessageBubble: answers render Markdown with code blocks, user text stays literal; the action
// row emits regenerate, copy, edit, delete and branch navigation; stats read as a sentence and
// their tooltip names the model and settings; reasoning folds under its duration; links only
// report the click.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 700; height: 900

    MessageBubble {
        id: answer
        width: 600
        role: "assistant"
        content: "# Title\n\n- one\n- two\n\n`code` and [a link](https://example.com)\n\n```js\nconst x = 1;\n```\nAfter."
        reasoning: "First I consider the question."
        branchIndex: 2
        branchCount: 3
        stats: ({ generated_tokens: 42, generation_tokens_per_second: 12.5, time_to_first_token_ms: 250,
                  prompt_tokens_per_second: 300, device: "CPU", reasoning_ms: 4200 })
        generation: ({ model: "Qwen3-0.6B", temperature: 0.7, top_k: 40, seed: 0, context_length: 0 })
    }
    MessageBubble {
        id: question
        y: 450
        width: 600
        role: "user"
        content: "# not a heading"
    }
    MessageBubble {
        id: streaming
        y: 550
        width: 600
        role: "assistant"
        status: "partial"
        reasoning: "Hmm"
        stats: ({ reasoning_started_at: Date.now() - 3200 })
    }
    SignalSpy { id: regenerateSpy; target: answer; signalName: "regenerateRequested" }
    SignalSpy { id: branchSpy; target: answer; signalName: "branchRequested" }
    SignalSpy { id: copySpy; target: answer; signalName: "copyRequested" }
    SignalSpy { id: deleteSpy; target: answer; signalName: "deleteRequested" }
    SignalSpy { id: linkSpy; target: answer; signalName: "linkActivated" }
    SignalSpy { id: editSpy; target: question; signalName: "editSubmitted" }

    function segmentItems(bubble) {
        const repeater = findChildIn(bubble, "segments")
        const items = []
        for (let i = 0; i < repeater.count; ++i)
            items.push(repeater.itemAt(i).item)
        return items
    }
    function findChildIn(parent, name) { return tests.findChild(parent, name) }

    TestCase {
        id: tests
        name: "MessageBubble"
        when: windowShown

        function test_markdownWithCodeBlocks() {
            const items = segmentItems(answer)
            compare(items.length, 3)
            compare(items[0].objectName, "proseText")
            compare(items[0].textFormat, TextEdit.MarkdownText)
            compare(items[1].objectName, "codeBlock")
            compare(items[1].code, "const x = 1;")
            compare(items[1].label, "JavaScript")
            compare(items[2].getText(0, items[2].length), "After.")
            compare(findChild(question, "messageText").textFormat, TextEdit.PlainText)
            compare(findChild(question, "messageText").text, "# not a heading")
            verify(!findChild(question, "markdownBody").visible)
        }
        function test_codeCopyGoesThroughTheBubble() {
            copySpy.clear()
            const code = segmentItems(answer)[1]
            mouseClick(findChild(code, "copyCodeButton"))
            compare(copySpy.count, 1)
            compare(copySpy.signalArguments[0][0], "const x = 1;")
        }
        function test_streamingUpdatesInPlace() {
            const bubble = createTemporaryObject(Qt.createComponent("qrc:/qt/qml/Enclave/Ui/MessageBubble.qml"), tests,
                                                 { width: 500, role: "assistant", status: "partial",
                                                   content: "Intro\n```py\nx = 1\n" })
            let items = segmentItems(bubble)
            compare(items.length, 2)
            const block = items[1]
            bubble.content += "y = 2\n"
            items = segmentItems(bubble)
            verify(items[1] === block) // the same CodeBlock grows, nothing is rebuilt
            compare(block.code, "x = 1\ny = 2")
            bubble.content += "``"     // a closing fence on its way is not shown as code
            compare(block.code, "x = 1\ny = 2")
            bubble.content += "`\nDone"
            items = segmentItems(bubble)
            compare(items.length, 3)
            verify(items[1] === block)
            compare(items[2].getText(0, items[2].length), "Done")
        }
        function test_actions() {
            mouseClick(findChild(answer, "regenerateButton"))
            compare(regenerateSpy.count, 1)
            copySpy.clear()
            mouseClick(findChild(answer, "copyButton"))
            compare(copySpy.signalArguments[0][0], answer.content)
            compare(findChild(answer, "branchLabel").text, "2/3")
            mouseClick(findChild(answer, "branchPrevious"))
            mouseClick(findChild(answer, "branchNext"))
            compare(branchSpy.count, 2)
            compare(branchSpy.signalArguments[0][0], -1)
            compare(branchSpy.signalArguments[1][0], 1)
            mouseClick(findChild(answer, "deleteButton"))
            compare(deleteSpy.count, 1)
            verify(!findChild(question, "regenerateButton").visible)
            verify(!findChild(answer, "editButton").visible)
            verify(!findChild(streaming, "messageActions").visible) // no actions while writing
        }
        function test_stats() {
            const text = findChild(answer, "statsLabel").text
            verify(text.indexOf("12.5 tok/s") >= 0, text)
            verify(text.indexOf("42 tokens") >= 0, text)
            verify(text.indexOf("CPU") >= 0, text)
            const details = answer.generationText()
            verify(details.indexOf("Model: Qwen3-0.6B") >= 0, details)
            verify(details.indexOf("Temperature: 0.7") >= 0, details)
            verify(details.indexOf("Seed: random") >= 0, details)
            verify(details.indexOf("Context length: model default") >= 0, details)
            compare(question.generationText(), "")
        }
        function test_reasoning() {
            const toggle = findChild(answer, "reasoningToggle")
            compare(toggle.text, "▸ Thought for 4.2 s")
            verify(!findChild(answer, "reasoningText").visible)
            mouseClick(toggle)
            verify(findChild(answer, "reasoningText").visible)
            compare(toggle.text, "▾ Thought for 4.2 s")
            streaming.stats = { reasoning_started_at: Date.now() - 3200 }
            tryVerify(() => findChild(streaming, "reasoningToggle").text === "▸ Thinking… 3 s", 700)
            verify(!findChild(question, "reasoning").visible)
        }
        function test_linksAreReportedNotOpened() {
            segmentItems(answer)[0].linkActivated("https://example.com")
            compare(linkSpy.count, 1)
            compare(linkSpy.signalArguments[0][0], "https://example.com")
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
