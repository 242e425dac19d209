// Sidebar: lists conversations, selection and context actions emit the right ids,
// search hits show their snippet with the match in bold.
import QtQuick
import QtTest
import Enclave.Ui

Item {
    width: 320; height: 600

    ListModel {
        id: conversations
        property string searchQuery: ""
        ListElement { conversationId: 7; title: "Trip plans"; snippet: ""; pinned: true; messageId: 0 }
        ListElement { conversationId: 9; title: "Recipes"; snippet: "boil the [[egg]] gently"; pinned: false; messageId: 42 }
    }
    Sidebar { id: sidebar; anchors.fill: parent; conversations: conversations; currentId: 7 }
    SignalSpy { id: selectSpy; target: sidebar; signalName: "conversationSelected" }
    SignalSpy { id: newSpy; target: sidebar; signalName: "newChatRequested" }

    TestCase {
        name: "Sidebar"
        when: windowShown

        function test_listAndSelect() {
            const list = findChild(sidebar, "conversationList")
            compare(list.count, 2)
            tryVerify(() => list.itemAtIndex(1) !== null)
            mouseClick(list.itemAtIndex(1))
            compare(selectSpy.count, 1)
            compare(selectSpy.signalArguments[0][0], 9)
            compare(selectSpy.signalArguments[0][2], 42)
            verify(list.itemAtIndex(0).current)
            verify(!list.itemAtIndex(1).current)
        }
        function test_snippetHtml() {
            const list = findChild(sidebar, "conversationList")
            compare(list.itemAtIndex(1).snippetHtml("a [[b]] <c>"), "a <b>b</b> &lt;c&gt;")
        }
        function test_searchFieldDrivesModel() {
            const field = findChild(sidebar, "searchField")
            field.text = "egg"
            compare(conversations.searchQuery, "egg")
            field.text = ""
        }
        function test_newChat() {
            mouseClick(findChild(sidebar, "newChatButton"))
            compare(newSpy.count, 1)
        }
    }
}
