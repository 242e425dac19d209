// IconButton: a flat, compact button with a text glyph and a tooltip.
import QtQuick
import QtQuick.Controls.Basic

ToolButton {
    id: root
    property string tip: ""
    implicitWidth: Math.max(32, contentItem.implicitWidth + 12)
    implicitHeight: 32
    font.pixelSize: 16
    ToolTip.visible: hovered && tip.length > 0
    ToolTip.text: tip
    ToolTip.delay: 600
    Accessible.name: tip
    contentItem: Text {
        text: root.text
        font: root.font
        color: root.enabled ? Theme.text : Theme.textMuted
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
    background: Rectangle {
        radius: Theme.radius
        color: root.down ? Theme.selection : (root.hovered ? Theme.surfaceHover : "transparent")
    }
}
