// ChatPane + MessageBubble + NoModelBanner: messages render, the banner explains the
// missing model and offers the import, import errors are shown, sending is forwarded.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 900; height: 700

    ListModel {
        id: messages
        ListElement { messageId: 1; role: "user"; content: "Hello there"; status: "complete" }
        ListElement { messageId: 2; role: "assistant"; content: "Half an answer"; status: "error" }
    }
    ChatPane {
        id: pane
        anchors.fill: parent
        title: "Greetings"
        messages: messages
    }
    SignalSpy { id: sendSpy; target: pane; signalName: "sendRequested" }
    SignalSpy { id: importSpy; target: pane; signalName: "importRequested" }

    TestCase {
        name: "ChatPane"
        when: windowShown

        function test_titleAndMessages() {
            compare(findChild(pane, "chatTitle").text, "Greetings")
            const list = findChild(pane, "messageList")
            compare(list.count, 2)
            tryVerify(() => list.itemAtIndex(1) !== null)
            const status = findChild(list.itemAtIndex(1), "statusLabel")
            verify(status.visible)
            verify(status.text.indexOf("Interrupted") >= 0)
            verify(!findChild(list.itemAtIndex(0), "statusLabel").visible)
        }
        function test_noModelBanner() {
            const banner = findChild(pane, "noModelBanner")
            verify(banner.visible)
            compare(findChild(banner, "bannerTitle").text, "No model is loaded")
            mouseClick(findChild(banner, "importButton"))
            compare(importSpy.count, 1)
        }
        function test_importErrorShown() {
            pane.importError = "truncated.gguf: the file ends inside the tensor table"
            const banner = findChild(pane, "noModelBanner")
            compare(findChild(banner, "bannerTitle").text, "This model could not be imported")
            verify(findChild(banner, "bannerDetail").text.indexOf("ends inside") >= 0)
            pane.importError = ""
        }
        function test_bannerHiddenWithModel() {
            pane.modelLoaded = true
            verify(!findChild(pane, "noModelBanner").visible)
            pane.modelLoaded = false
        }
        function test_sendForwarded() {
            const composer = findChild(pane, "composer")
            composer.text = "new question"
            composer.send()
            compare(sendSpy.count, 1)
            compare(sendSpy.signalArguments[0][0], "new question")
        }
    }
}
