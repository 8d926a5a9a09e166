package model

// Outcome is what a household screening found. The database's CHECK
// constraint (migrations/004_field.sql) allows the same list.
type Outcome string

// The screening outcomes.
const (
	OutcomeNormal         Outcome = "normal"
	OutcomeNotHome        Outcome = "not_home"
	OutcomeFever          Outcome = "fever"
	OutcomeHomeQuarantine Outcome = "home_quarantine"
	OutcomeRiskAreaReturn Outcome = "risk_area_return"
	OutcomeRefused        Outcome = "refused"
)

// Outcomes lists every outcome, in the order forms offer them.
var Outcomes = []Outcome{OutcomeNormal, OutcomeNotHome, OutcomeFever,
	OutcomeHomeQuarantine, OutcomeRiskAreaReturn, OutcomeRefused}

// Valid reports whether o is one of Outcomes.
func (o Outcome) Valid() bool {
	for _, v := range Outcomes {
		if o == v {
			return true
		}
	}
	return false
}

// Screened reports whether a screening with this outcome counts the
// household as screened that day: someone was seen. Not at home and
// refused do not count; they stay on the leader's gap list.
func (o Outcome) Screened() bool {
	switch o {
	case OutcomeNormal, OutcomeFever, OutcomeHomeQuarantine, OutcomeRiskAreaReturn:
		return true
	}
	return false
}

// Alert kinds (migrations/004_field.sql).
const (
	AlertFever        = "fever"
	AlertSealOpened   = "seal_opened"
	AlertSealTampered = "seal_tampered"
	AlertSealOffline  = "seal_offline"
)
