// ImportChoiceDialog: offers "use as is" and each quantization with its size, disables what the disk
// cannot hold, emits the choice; while quantizing shows progress and Cancel.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 800; height: 600

    ImportChoiceDialog {
        id: dialog
        pending: ({ name: "Qwen3-30B", path: "/m/qwen", size: 61e9, freeDisk: 20e9, quantizeError: "",
                    options: [{ type: "q8_0", label: "Q8_0", bytes: 32e9 }, { type: "q4_k_m", label: "Q4_K_M", bytes: 18e9 }] })
    }
    SignalSpy { id: asIsSpy; target: dialog; signalName: "useAsIsRequested" }
    SignalSpy { id: quantizeSpy; target: dialog; signalName: "quantizeRequested" }
    SignalSpy { id: cancelSpy; target: dialog; signalName: "cancelRequested" }

    TestCase {
        name: "ImportChoiceDialog"
        when: windowShown

        function test_choose() {
            dialog.quantizing = false
            dialog.open()
            tryVerify(() => dialog.opened)
            const q8 = findChild(dialog.contentItem, "option_q8_0")
            const q4 = findChild(dialog.contentItem, "option_q4_k_m")
            verify(q8 && q4)
            verify(!q8.enabled, "32 GB does not fit 20 GB free")
            verify(q8.text.indexOf("free disk space") >= 0, q8.text)
            verify(q4.enabled)
            verify(q4.text.indexOf("18.00 GB") >= 0, q4.text)
            verify(findChild(dialog.contentItem, "diskLabel").text.indexOf("20.00 GB") >= 0)
            mouseClick(findChild(dialog.contentItem, "confirmImportButton"))
            compare(asIsSpy.count, 1)
            mouseClick(q4)
            mouseClick(findChild(dialog.contentItem, "confirmImportButton"))
            compare(quantizeSpy.count, 1)
            compare(quantizeSpy.signalArguments[0][0], "q4_k_m")
            dialog.close()
        }

        function test_progressAndCancel() {
            dialog.quantizing = true
            dialog.progress = 0.42
            dialog.status = "Quantizing"
            dialog.open()
            tryVerify(() => dialog.opened)
            const bar = findChild(dialog.contentItem, "quantizeProgress")
            verify(bar.visible)
            compare(bar.value, 0.42)
            compare(findChild(dialog.contentItem, "percentLabel").text, "42%")
            verify(!findChild(dialog.contentItem, "confirmImportButton").visible)
            mouseClick(findChild(dialog.contentItem, "cancelImportButton"))
            compare(cancelSpy.count, 1)
            dialog.close()
        }
    }
}
