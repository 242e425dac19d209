// Theme: colours, spacing and type for light and dark; `dark` follows the system palette.
pragma Singleton
import QtQuick

QtObject {
    property bool dark: false // bound to the user's theme setting by Main.qml

    readonly property color window: dark ? "#1b1d21" : "#f6f7f9"
    readonly property color sidebar: dark ? "#15171a" : "#eceef2"
    readonly property color surface: dark ? "#24272c" : "#ffffff"
    readonly property color surfaceHover: dark ? "#2d3137" : "#e3e6eb"
    readonly property color selection: dark ? "#33405a" : "#d6e2f8"
    readonly property color border: dark ? "#33373e" : "#d9dce2"
    readonly property color text: dark ? "#e8eaed" : "#1d2025"
    readonly property color textMuted: dark ? "#9aa0a8" : "#5f6671"
    readonly property color accent: dark ? "#7aa7ff" : "#2f6fe4"
    readonly property color accentText: "#ffffff"
    readonly property color userBubble: dark ? "#2b3b5c" : "#e4edfd"
    readonly property color warning: dark ? "#3d3420" : "#fff4d6"
    readonly property color warningBorder: dark ? "#7a6320" : "#e8c45a"
    readonly property color error: dark ? "#ff8a80" : "#c62828"
    readonly property color highlight: dark ? "#5a4a14" : "#fff0a8"
    readonly property color codeBackground: dark ? "#15171b" : "#f3f4f7"
    readonly property color codeHeader: dark ? "#202329" : "#e8eaef"

    readonly property int radius: 8
    readonly property int spacing: 8
    readonly property int padding: 12
    property int fontSize: 14 // the user's setting, bound by Main.qml
    readonly property int smallFontSize: fontSize - 2
    readonly property int titleFontSize: fontSize + 3
    readonly property string monoFamily: "monospace"
}
