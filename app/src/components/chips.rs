//! The resolved brief as chips: objective, budget, schedule, markets, audience and formats. In the planner
//! each chip opens an editor in place; an edit is a structured override of the brief (SPEC §5), not a message.

use leptos::prelude::*;
use planner::agents::budget::decimal_micros;
use planner::taxonomy::markets;
use planner::types::{
    AgeRange, AssetFormat, Brief, Budget, BudgetType, Country, Currency, Gender, Objective, Overrides, Schedule,
};

use crate::format;

/// A chip's slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The objective.
    Objective,
    /// The budget amount.
    Budget,
    /// Start and end dates.
    Schedule,
    /// Markets.
    Countries,
    /// Age bands.
    Ages,
    /// Genders.
    Genders,
    /// Creative formats.
    Formats,
}

impl Field {
    const ALL: [Field; 7] = [
        Field::Objective,
        Field::Budget,
        Field::Schedule,
        Field::Countries,
        Field::Ages,
        Field::Genders,
        Field::Formats,
    ];

    fn label(self) -> &'static str {
        match self {
            Field::Objective => "Goal",
            Field::Budget => "Budget",
            Field::Schedule => "Dates",
            Field::Countries => "Markets",
            Field::Ages => "Ages",
            Field::Genders => "Genders",
            Field::Formats => "Formats",
        }
    }

    /// The name [`Overrides::slots`] uses for this field.
    fn slot(self) -> &'static str {
        match self {
            Field::Objective => "objective",
            Field::Budget => "budget",
            Field::Schedule => "schedule",
            Field::Countries => "countries",
            Field::Ages => "ages",
            Field::Genders => "genders",
            Field::Formats => "formats",
        }
    }

    /// The chip's text for a brief.
    fn show(self, brief: &Brief) -> String {
        let t = &brief.targets;
        let or = |s: String, empty: &str| if s.is_empty() { empty.to_owned() } else { s };
        match self {
            Field::Objective => format::words(brief.objective.as_str()),
            Field::Budget => brief.budget.as_ref().map_or("not set".to_owned(), format::budget),
            Field::Schedule => brief.schedule.as_ref().map_or("not set".to_owned(), format::schedule),
            Field::Countries => {
                let mut names: Vec<String> = t.countries.iter().map(|c| markets::market(*c).name.to_owned()).collect();
                names.extend(t.cities.iter().map(|c| format!("({c})")));
                or(names.join(", "), "not set")
            }
            Field::Ages => or(ages_text(&t.age_ranges), "all ages"),
            Field::Genders => {
                or(t.genders.iter().map(|g| format::words(g.as_str())).collect::<Vec<_>>().join(", "), "all")
            }
            Field::Formats => or(
                brief.formats.iter().map(|f| format::words(f.as_str())).collect::<Vec<_>>().join(", "),
                "planner's choice",
            ),
        }
    }

    /// What the editor starts with: the current value in the form the parser reads back.
    fn initial(self, brief: &Brief) -> String {
        let t = &brief.targets;
        match self {
            Field::Objective => brief.objective.as_str().to_owned(),
            Field::Budget => brief.budget.map_or(String::new(), |b| format::decimal(b.micro_amount)),
            Field::Schedule => String::new(),
            Field::Countries => t.countries.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
            Field::Ages => ages_text(&t.age_ranges),
            Field::Genders => t.genders.iter().map(|g| g.as_str().to_lowercase()).collect::<Vec<_>>().join(", "),
            Field::Formats => brief.formats.iter().map(|f| f.as_str().to_lowercase()).collect::<Vec<_>>().join(", "),
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Field::Budget => "Amount in the plan's currency, e.g. 50000",
            Field::Countries => "Country codes or names, e.g. BR, MX or Brazil, Mexico",
            Field::Ages => "Age bands 13-99, e.g. 18-24, 25-34; empty for all ages",
            Field::Genders => "female, male, non_binary; empty for all",
            Field::Formats => "audio, video, image; empty lets the planner choose",
            Field::Objective | Field::Schedule => "",
        }
    }
}

fn ages_text(ages: &[AgeRange]) -> String {
    ages.iter().map(|a| format!("{}-{}", a.min, a.max)).collect::<Vec<_>>().join(", ")
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ';', '/']).map(str::trim).filter(|s| !s.is_empty())
}

fn country(token: &str) -> Option<Country> {
    token
        .to_uppercase()
        .parse()
        .ok()
        .or_else(|| markets::all().iter().find(|m| m.name.eq_ignore_ascii_case(token)).map(|m| m.country))
}

/// Turns an editor's text into the override it means, or says what is wrong with it.
pub fn parse_edit(field: Field, text: &str, brief: &Brief) -> Result<Overrides, String> {
    let mut o = Overrides::default();
    match field {
        Field::Objective => {
            o.objective = Some(text.parse::<Objective>().map_err(|e| e.to_string())?);
        }
        Field::Budget => {
            let micros = decimal_micros(text).ok_or_else(|| format!("“{text}” is not an amount like 50000"))?;
            // Without a budget yet, the amount is a lifetime budget in the first market's currency.
            let currency = brief.targets.countries.first().map_or(Currency::Usd, |c| markets::market(*c).currency);
            let current = brief.budget.unwrap_or(Budget { micro_amount: 0, currency, kind: BudgetType::Lifetime });
            o.budget = Some(Budget { micro_amount: micros, ..current });
        }
        Field::Schedule => {
            let (start, end) = text.split_once('/').ok_or("Pick a start and an end date.")?;
            let date =
                |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| "Pick both dates.");
            o.schedule = Some(Schedule { start: date(start)?, end: date(end)? });
        }
        Field::Countries => {
            let list = tokens(text)
                .map(|t| country(t).ok_or_else(|| format!("“{t}” is not a market Mixtape plans")))
                .collect::<Result<Vec<_>, _>>()?;
            if list.is_empty() {
                return Err("Name at least one market.".to_owned());
            }
            o.countries = Some(list);
        }
        Field::Ages => {
            let list = tokens(text)
                .map(|t| {
                    let (min, max) = t.split_once('-').ok_or_else(|| format!("“{t}” is not an age band like 18-24"))?;
                    let age =
                        |s: &str| s.trim().parse::<u8>().map_err(|_| format!("“{t}” is not an age band like 18-24"));
                    Ok(AgeRange { min: age(min)?, max: age(max)? })
                })
                .collect::<Result<Vec<_>, String>>()?;
            o.age_ranges = Some(list);
        }
        Field::Genders => {
            let list = tokens(text)
                .map(|t| {
                    t.to_uppercase()
                        .replace([' ', '-'], "_")
                        .parse::<Gender>()
                        .map_err(|_| format!("“{t}” is not female, male or non_binary"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            o.genders = Some(list);
        }
        Field::Formats => {
            let list = tokens(text)
                .map(|t| {
                    t.to_uppercase().parse::<AssetFormat>().map_err(|_| format!("“{t}” is not audio, video or image"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            o.formats = Some(list);
        }
    }
    o.problem().map_or(Ok(o), Err)
}

/// The brief as chips.
#[component]
pub fn BriefChips(
    /// The resolved brief.
    brief: Brief,
    /// Slots the user edited (from [`Overrides::slots`]), marked on their chips.
    #[prop(optional)]
    edited: Vec<&'static str>,
    /// Called with an edit; without it the chips are read-only (shared plans, the gallery's static case).
    #[prop(optional)]
    on_edit: Option<Callback<Overrides>>,
) -> impl IntoView {
    let editing = RwSignal::new(None::<Field>);
    let brief = StoredValue::new(brief);
    view! {
        <ul class="chips" aria-label="The brief">
            {Field::ALL
                .into_iter()
                .map(|field| {
                    let text = brief.with_value(|b| field.show(b));
                    let is_edited = edited.contains(&field.slot());
                    let chip = move || {
                        let label = view! {
                            <span class="chip__label">{field.label()}</span>
                            <span class="chip__value">{text.clone()}</span>
                            {is_edited.then(|| view! { <span class="chip__edited" title="Edited here">"edited"</span> })}
                        };
                        match on_edit {
                            Some(_) => view! {
                                <button
                                    type="button"
                                    class="chip"
                                    aria-label=format!("{}: {}. Edit", field.label(), text)
                                    on:click=move |_| editing.set(Some(field))
                                >
                                    {label}
                                </button>
                            }
                            .into_any(),
                            None => view! { <span class="chip">{label}</span> }.into_any(),
                        }
                    };
                    view! {
                        <li class="chips__item" data-field=field.slot()>
                            {move || match (editing.get() == Some(field), on_edit) {
                                (true, Some(on_edit)) => view! {
                                    <ChipEditor
                                        field=field
                                        brief=brief.get_value()
                                        on_done=Callback::new(move |edit: Option<Overrides>| {
                                            editing.set(None);
                                            if let Some(edit) = edit {
                                                on_edit.run(edit);
                                            }
                                        })
                                    />
                                }
                                .into_any(),
                                _ => chip().into_any(),
                            }}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// One chip's editor, in place of the chip: Enter (or Apply) applies, Escape (or Cancel) closes.
#[component]
fn ChipEditor(
    /// Which slot is edited.
    field: Field,
    /// The brief being edited (for the current value).
    brief: Brief,
    /// Called with the edit, or `None` when cancelled.
    on_done: Callback<Option<Overrides>>,
) -> impl IntoView {
    let value = RwSignal::new(field.initial(&brief));
    let (start, end) =
        brief.schedule.map_or((String::new(), String::new()), |s| (s.start.to_string(), s.end.to_string()));
    let start = RwSignal::new(start);
    let end = RwSignal::new(end);
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    let select = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        } else if let Some(el) = select.get() {
            let _ = el.focus();
        }
    });
    let brief = StoredValue::new(brief);
    let apply = move || {
        let text = match field {
            Field::Schedule => format!("{}/{}", start.get_untracked(), end.get_untracked()),
            _ => value.get_untracked(),
        };
        match brief.with_value(|b| parse_edit(field, &text, b)) {
            Ok(edit) => on_done.run(Some(edit)),
            Err(e) => error.set(Some(e)),
        }
    };
    let id = format!("edit-{}", field.slot());
    let hint_id = format!("{id}-hint");
    let control = match field {
        Field::Objective => view! {
            <select id=id.clone() node_ref=select on:change=move |ev| value.set(event_target_value(&ev))>
                {Objective::ALL
                    .iter()
                    .map(|o| {
                        let selected = value.get_untracked() == o.as_str();
                        view! { <option value=o.as_str() selected=selected>{format::words(o.as_str())}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any(),
        Field::Schedule => view! {
            <input id=id.clone() node_ref=input type="date" aria-label="Start date" prop:value=move || start.get()
                on:input=move |ev| start.set(event_target_value(&ev)) />
            <input type="date" aria-label="End date" prop:value=move || end.get()
                on:input=move |ev| end.set(event_target_value(&ev)) />
        }
        .into_any(),
        _ => view! {
            <input id=id.clone() node_ref=input type="text" autocomplete="off" aria-describedby=hint_id.clone()
                inputmode=if field == Field::Budget { "decimal" } else { "text" }
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        }
        .into_any(),
    };
    view! {
        <form
            class="chip-editor"
            on:submit=move |ev| {
                ev.prevent_default();
                apply();
            }
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    on_done.run(None);
                }
            }
        >
            <label class="chip__label" for=id>{field.label()}</label>
            {control}
            <button type="submit" class="button button--small button--primary">"Apply"</button>
            <button type="button" class="button button--small" on:click=move |_| on_done.run(None)>"Cancel"</button>
            <p class="chip-editor__hint" id=hint_id>{field.hint()}</p>
            {move || error.get().map(|e| view! { <p class="chip-editor__error" role="alert">{e}</p> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use planner::types::Targets;

    fn brief() -> Brief {
        Brief {
            objective: Objective::Reach,
            ad_category: "ADV_23_217".to_owned(),
            budget: Some(Budget { micro_amount: 5_000_000_000, currency: Currency::Brl, kind: BudgetType::Lifetime }),
            schedule: None,
            targets: Targets::default(),
            formats: Vec::new(),
            placements: Vec::new(),
        }
    }

    #[test]
    fn amounts_are_read_exactly() {
        assert_eq!(decimal_micros("50,000"), Some(50_000_000_000));
        assert_eq!(decimal_micros("1234.56"), Some(1_234_560_000));
        assert_eq!(decimal_micros("0"), None);
        assert_eq!(decimal_micros("12e3"), None);
        assert_eq!(decimal_micros("99999999999999999"), None, "overflow is refused, not wrapped");
        assert_eq!(format::decimal(1_234_560_000), "1234.56", "the editor starts from what it reads back");
    }

    #[test]
    fn edits_parse_to_overrides_or_say_what_is_wrong() {
        let b = brief();
        let budget = parse_edit(Field::Budget, "60000", &b).expect("an amount");
        assert_eq!(budget.budget.map(|x| (x.micro_amount, x.currency)), Some((60_000_000_000, Currency::Brl)));
        let markets = parse_edit(Field::Countries, "br, Mexico", &b).expect("markets");
        assert_eq!(markets.countries, Some(vec![Country::Br, Country::Mx]));
        assert!(parse_edit(Field::Countries, "Atlantis", &b).is_err());
        let unbudgeted = Brief {
            budget: None,
            targets: Targets { countries: vec![Country::Mx], ..Targets::default() },
            ..b.clone()
        };
        let first = parse_edit(Field::Budget, "80000", &unbudgeted).expect("a first budget");
        assert_eq!(first.budget.map(|x| (x.currency, x.kind)), Some((Currency::Mxn, BudgetType::Lifetime)));
        assert_eq!(parse_edit(Field::Ages, "", &b).map(|o| o.age_ranges), Ok(Some(Vec::new())));
        assert!(parse_edit(Field::Ages, "25-18", &b).is_err(), "upside-down bands are refused");
        assert_eq!(parse_edit(Field::Genders, "non-binary", &b).map(|o| o.genders), Ok(Some(vec![Gender::NonBinary])));
        let dates = parse_edit(Field::Schedule, "2026-05-01/2026-05-31", &b).expect("dates");
        assert_eq!(dates.schedule.map(|s| s.days()), Some(31));
        assert!(parse_edit(Field::Schedule, "2026-05-31/2026-05-01", &b).is_err());
    }
}
