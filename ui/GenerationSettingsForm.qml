// GenerationSettingsForm: sampling and length settings as a grid of number fields, shared by
// the app-wide defaults (Settings) and a conversation's own settings. load() fills it,
// values() reads it back; edited() fires when the user finished changing a valid field.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

GridLayout {
    id: root
    signal edited()
    readonly property bool acceptable: temperature.acceptableInput && topK.acceptableInput && topP.acceptableInput
                                       && minP.acceptableInput && repeatPenalty.acceptableInput
                                       && seed.acceptableInput && maxTokens.acceptableInput
                                       && contextLength.acceptableInput

    function load(v) {
        temperature.text = String(v.temperature)
        topK.text = String(v.top_k)
        topP.text = String(v.top_p)
        minP.text = String(v.min_p)
        repeatPenalty.text = String(v.repeat_penalty)
        seed.text = String(v.seed)
        maxTokens.text = String(v.max_tokens)
        contextLength.text = String(v.context_length !== undefined ? v.context_length : 0)
    }
    function values() {
        return { temperature: Number(temperature.text), top_k: parseInt(topK.text), top_p: Number(topP.text),
                 min_p: Number(minP.text), repeat_penalty: Number(repeatPenalty.text), seed: parseInt(seed.text),
                 max_tokens: parseInt(maxTokens.text), context_length: parseInt(contextLength.text) }
    }

    columns: 4
    columnSpacing: Theme.spacing
    rowSpacing: Theme.spacing / 2

    component NumberField: TextField {
        Layout.fillWidth: true
        Layout.minimumWidth: 64
        inputMethodHints: Qt.ImhFormattedNumbersOnly
        validator: DoubleValidator { bottom: 0; notation: DoubleValidator.StandardNotation }
        color: acceptableInput ? Theme.text : Theme.error
        selectByMouse: true
        onEditingFinished: if (root.acceptable) root.edited()
    }
    component FieldLabel: Label { color: Theme.text; Layout.alignment: Qt.AlignRight | Qt.AlignVCenter }

    FieldLabel { text: qsTr("Temperature") }
    NumberField { id: temperature; objectName: "temperatureField"; validator: DoubleValidator { bottom: 0; top: 5 } }
    FieldLabel { text: qsTr("Top-k") }
    NumberField { id: topK; objectName: "topKField"; validator: IntValidator { bottom: 0 } }
    FieldLabel { text: qsTr("Top-p") }
    NumberField { id: topP; objectName: "topPField"; validator: DoubleValidator { bottom: 0; top: 1 } }
    FieldLabel { text: qsTr("Min-p") }
    NumberField { id: minP; objectName: "minPField"; validator: DoubleValidator { bottom: 0; top: 1 } }
    FieldLabel { text: qsTr("Repetition penalty") }
    NumberField { id: repeatPenalty; objectName: "repeatPenaltyField" }
    FieldLabel { text: qsTr("Seed (0: random)") }
    NumberField { id: seed; objectName: "seedField"; validator: IntValidator { bottom: 0 } }
    FieldLabel { text: qsTr("Maximum tokens") }
    NumberField { id: maxTokens; objectName: "maxTokensField"; validator: IntValidator { bottom: 1 } }
    FieldLabel { text: qsTr("Context (0: model’s)") }
    NumberField { id: contextLength; objectName: "contextLengthField"; validator: IntValidator { bottom: 0 } }
}
