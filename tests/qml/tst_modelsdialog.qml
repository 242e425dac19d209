// ModelsDialog: lists the library, marks the loaded and the missing models, and emits
// load/remove for the chosen one.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 800; height: 600

    ListModel {
        id: models
        ListElement { modelId: 1; name: "qwen3-30b"; path: "/m/qwen3.gguf"; format: "GGUF"; size: 17000000000; architecture: "qwen3moe"; missing: false }
        ListElement { modelId: 2; name: "gone"; path: "/m/gone.gguf"; format: "GGUF"; size: 1000; architecture: "llama"; missing: true }
    }
    ModelsDialog { id: dialog; library: models; loadedModelId: 1 }
    SignalSpy { id: removeSpy; target: dialog; signalName: "removeRequested" }

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
            compare(removeSpy.count, 1)
            compare(removeSpy.signalArguments[0][0], 2)
            dialog.close()
        }
    }
}
