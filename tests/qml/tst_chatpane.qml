// ChatPane + MessageBubble + NoModelBanner: messages render, the banner explains the
// missing model and offers the import, import errors are shown, sending is forwarded; a
// message that was not stored comes back with its reason; read-only storage is shown.
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
            verify(!findChild(banner, "bannerTechnical").visible)
            // A plain first line, then the technical detail: shown apart, the detail smaller.
            pane.importError = "The file is incomplete (1.20 MB of 4.11 MB); the download may have stopped.\n"
                    + "/models/cut.gguf: tensor 'output.weight': data at offset 3891200 ... past the end of the file"
            compare(findChild(banner, "bannerDetail").text,
                    "The file is incomplete (1.20 MB of 4.11 MB); the download may have stopped.")
            const technical = findChild(banner, "bannerTechnical")
            verify(technical.visible)
            verify(technical.text.indexOf("/models/cut.gguf: tensor 'output.weight'") === 0)
            compare(technical.font.pixelSize, Theme.smallFontSize)
            compare(technical.textFormat, Text.PlainText)
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
        function test_unsavedMessageComesBack() {
            const composer = findChild(pane, "composer")
            composer.text = "lost?"
            composer.send()
            compare(composer.text, "")
            pane.sendError = "Your message could not be saved: the disk is full. It is back in the message box."
            pane.restoreDraft("lost?")
            compare(composer.text, "lost?")
            const error = findChild(pane, "sendErrorLabel")
            verify(error.visible)
            verify(error.text.indexOf("disk is full") >= 0)
            pane.sendError = ""
            verify(!error.visible)
            composer.text = ""
        }
        function test_readOnlyBanner() {
            const banner = findChild(pane, "storageBanner")
            verify(!banner.visible)
            pane.readOnlyReason = "The disk is full: Enclave opened your conversations read-only."
            verify(banner.visible)
            compare(findChild(banner, "storageBannerReason").text, pane.readOnlyReason)
            const composer = findChild(pane, "composer")
            verify(!composer.canSend) // typing is kept, sending waits for a restart
            composer.text = "kept"
            sendSpy.clear()
            composer.send()
            compare(sendSpy.count, 0)
            compare(composer.text, "kept")
            pane.readOnlyReason = ""
            verify(composer.canSend)
            composer.text = ""
        }
    }
}
