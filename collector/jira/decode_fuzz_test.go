package jira

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeIssue: whatever a search page holds for an issue, decoding
// and mapping it gives rows or an error naming the problem — never a
// panic (one bad issue must fail its run with a clear error, not the
// process).
func FuzzDecodeIssue(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"id":"1","key":"A-1","fields":{}}`,
		`{"id":"10001","key":"PLAT-1","fields":{"summary":"s","status":{"id":"3","name":"Done","statusCategory":{"key":"done"}},` +
			`"created":"2024-01-01T10:00:00.000+0000","updated":"2024-01-02T10:00:00.000+0000","customfield_10020":[{"id":7,"name":"S7","state":"active"}],` +
			`"customfield_10016":5,"fixVersions":[{"id":"100","name":"Beta"}]},` +
			`"changelog":{"startAt":0,"maxResults":1,"total":1,"histories":[{"id":"5","created":"2024-01-01T11:00:00.000+0000",` +
			`"items":[{"field":"Sprint","fieldId":"customfield_10020","from":"","to":"7"},{"field":"status","from":"1","to":"3"},` +
			`{"field":"Fix Version","fieldId":"fixVersions","from":null,"to":"100"},{"field":"Story Points","fieldId":"customfield_10016","fromString":"","toString":"5"}]}]}}`,
		`{"id":"1","key":"A-1","fields":{"created":"0202-01-01T00:00:00.000+0000","updated":"not a time"}}`,
		`{"id":"1","key":"A-1","fields":{"customfield_10020":"7"},"changelog":{"histories":[{"items":null}]}}`,
	} {
		f.Add([]byte(s))
	}
	statuses := []status{{ID: "1", Name: "To Do"}, {ID: "3", Name: "Done"}}
	statuses[0].StatusCategory.Key, statuses[1].StatusCategory.Key = "new", "done"
	m := newMapper("fuzz", "customfield_10020", "customfield_10016", statuses, simNow)
	f.Fuzz(func(t *testing.T, raw []byte) {
		is, err := decodeIssue(json.RawMessage(raw), 0)
		if err != nil {
			return
		}
		rows, err := m.issue(is)
		if err == nil {
			_ = rows.all()
		}
	})
}
