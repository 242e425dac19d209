// ModelsDialog: lists the library with each model's facts and memory verdict, marks the loaded and
// the missing models, emits load and (once confirmed) remove for the chosen one and the context
// length picked; an unreadable model shows its error's plain first line and, under it, the detail.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 800; height: 600

    ListModel {
        id: models
        ListElement { modelId: 1; name: "qwen3-30b"; path: "/m/qwen3.gguf"; format: "gguf"; size: 17000000000; architecture: "qwen3moe"; missing: false
                      totalParams: 30500000000; activeParams: 3300000000; experts: 128; expertsUsed: 8; quantization: "Q4_K"; contextLength: 40960
                      estimateContext: 8192; memoryNeeded: 18500000000; fit: 1; fitText: "fits with experts in RAM"; factsError: "" }
        ListElement { modelId: 2; name: "gone"; path: "/m/gone.gguf"; format: "gguf"; size: 1000; architecture: "llama"; missing: true
                      totalParams: 0; activeParams: 0; experts: 0; expertsUsed: 0; quantization: ""; contextLength: 0
                      estimateContext: 0; memoryNeeded: 0; fit: -1; fitText: ""; factsError: "gone was moved or deleted" }
    }
    ModelsDialog {
        id: dialog; library: models; loadedModelId: 1; freeRamBytes: 32e9
        gpus: [{ name: "RTX 4090", freeBytes: 20e9, totalBytes: 24e9 }]
    }
    SignalSpy { id: removeSpy; target: dialog; signalName: "removeRequested" }
    SignalSpy { id: contextSpy; target: dialog; signalName: "contextLengthChosen" }
    SignalSpy { id: importSpy; target: dialog; signalName: "importRequested" }
    SignalSpy { id: loadSpy; target: dialog; signalName: "loadRequested" }
    SignalSpy { id: unloadSpy; target: dialog; signalName: "unloadRequested" }

    TestCase {
        name: "ModelsDialog"
        when: windowShown

        function test_listAndRemove() {
            dialog.open()
            tryVerify(() => dialog.opened)
            const list = findChild(dialog.contentItem, "modelList")
            compare(list.count, 2)
            tryVerify(() => list.itemAtIndex(1) !== null)
            compare(dialog.sizeText(17000000000), "17.0 GB")
            mouseClick(findChild(list.itemAtIndex(1), "removeModelButton"))
            // Remove asks first, naming the model and saying the file stays.
            const confirm = findChild(dialog, "confirmRemoveDialog")
            tryVerify(() => confirm.opened)
            const message = findChild(confirm.contentItem, "confirmMessage").text
            verify(message.indexOf("gone") >= 0 && message.indexOf("file stays") >= 0, message)
            compare(removeSpy.count, 0)
            confirm.accept()
            compare(removeSpy.count, 1)
            compare(removeSpy.signalArguments[0][0], 2)
            tryVerify(() => !confirm.visible)
            dialog.close()
        }

        // The loaded model offers Unload; a missing one cannot be loaded; another loads by id.
        function test_loadAndUnload() {
            dialog.open()
            tryVerify(() => dialog.opened)
            const list = findChild(dialog.contentItem, "modelList")
            tryVerify(() => list.itemAtIndex(1) !== null)
            const loadedButton = findChild(list.itemAtIndex(0), "loadModelButton")
            compare(loadedButton.text, "Unload")
            mouseClick(loadedButton)
            compare(unloadSpy.count, 1)
            compare(loadSpy.count, 0)
            verify(!findChild(list.itemAtIndex(1), "loadModelButton").enabled) // missing file
            dialog.loadedModelId = 0
            compare(loadedButton.text, "Load")
            mouseClick(loadedButton)
            compare(loadSpy.count, 1)
            compare(loadSpy.signalArguments[0][0], 1)
            dialog.loadedModelId = 1
            dialog.close()
        }

        function test_factsAndVerdict() {
            dialog.open()
            tryVerify(() => dialog.opened)
            const list = findChild(dialog.contentItem, "modelList")
            tryVerify(() => list.itemAtIndex(0) !== null && list.itemAtIndex(1) !== null)
            const facts = findChild(list.itemAtIndex(0), "factsLabel").text.replace(/\u00a0/g, " ") // no-break inside a fact
            verify(facts.indexOf("qwen3moe") >= 0, facts)
            verify(facts.indexOf("30.5B params, 3.3B active") >= 0, facts)
            verify(facts.indexOf("128 experts, 8 per token") >= 0, facts)
            verify(facts.indexOf("Q4_K") >= 0 && facts.indexOf("17.0 GB") >= 0 && facts.indexOf("context 40960") >= 0, facts)
            const fit = findChild(list.itemAtIndex(0), "fitLabel")
            verify(fit.text.indexOf("fits with experts in RAM") >= 0 && fit.text.indexOf("18.5 GB at 8192 tokens") >= 0, fit.text)
            const missing = findChild(list.itemAtIndex(1), "factsLabel").text
            verify(missing.indexOf("Missing") === 0, missing)
            verify(!findChild(list.itemAtIndex(1), "fitLabel").visible)
            const memory = findChild(dialog.contentItem, "systemMemory").text
            verify(memory.indexOf("RAM 32.0 GB") >= 0 && memory.indexOf("RTX 4090") >= 0 && memory.indexOf("20.0 GB of 24.0 GB") >= 0, memory)
            dialog.close()
        }

        // An unreadable file: the plain first line in the verdict's place, the detail under it, as text.
        function test_factsErrorInTwoParts() {
            models.setProperty(1, "missing", false)
            models.setProperty(1, "factsError", "The file is incomplete (1.20 MB of 4.11 MB); the download may have stopped.\n"
                               + "/m/gone.gguf: tensor '<b>x</b>': past the end of the file")
            dialog.open()
            tryVerify(() => dialog.opened)
            const list = findChild(dialog.contentItem, "modelList")
            tryVerify(() => list.itemAtIndex(1) !== null)
            const fit = findChild(list.itemAtIndex(1), "fitLabel")
            compare(fit.text, "Cannot read: The file is incomplete (1.20 MB of 4.11 MB); the download may have stopped.")
            compare(fit.textFormat, Text.PlainText)
            const detail = findChild(list.itemAtIndex(1), "factsErrorDetail")
            verify(detail.visible)
            compare(detail.text, "/m/gone.gguf: tensor '<b>x</b>': past the end of the file")
            compare(detail.textFormat, Text.PlainText)
            verify(!findChild(list.itemAtIndex(0), "factsErrorDetail").visible)
            dialog.close()
            models.setProperty(1, "factsError", "gone was moved or deleted")
            models.setProperty(1, "missing", true)
        }

        function test_contextChoice() {
            dialog.open()
            tryVerify(() => dialog.opened)
            const box = findChild(dialog.contentItem, "contextBox")
            box.activated(3)
            compare(contextSpy.count, 1)
            compare(contextSpy.signalArguments[0][0], 8192)
            dialog.close()
        }

        function test_importButton() {
            dialog.open()
            tryVerify(() => dialog.opened)
            mouseClick(findChild(dialog.footer, "importModelButton"))
            compare(importSpy.count, 1)
            dialog.close()
        }
    }
}
