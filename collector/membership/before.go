package membership

import "slices"

// Before returns the containers an entity was in before changes, given the
// containers it is in after them (current): each change undone, newest
// first. It is how a source learns the value set at creation (which leaves
// no change) for fields whose changes name one container each — Jira's Fix
// Version items, GitHub's milestoned/demilestoned and GitLab's resource
// events — where no change carries the whole earlier value. Containers keep
// the order of current, then the order they are restored in.
func Before(current []string, changes []Change) []string {
	set := slices.Clone(current)
	for i := len(changes) - 1; i >= 0; i-- {
		ch := changes[i]
		// Within one change, removals are applied after additions (see
		// Replay), so they are undone first.
		for _, c := range slices.Backward(ch.Removed) {
			if !slices.Contains(set, c) {
				set = append(set, c)
			}
		}
		for _, c := range slices.Backward(ch.Added) {
			set = slices.DeleteFunc(set, func(x string) bool { return x == c })
		}
	}
	if set == nil {
		set = []string{}
	}
	return set
}
