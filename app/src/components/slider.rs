//! The budget slider: re-plans on every move, in the page, from cached history (no server round trip).
//! Its range is anchored on the budget the conversation or an edit last set, so dragging does not move it.

use leptos::prelude::*;
use planner::types::Budget;

use crate::format;

/// The slider's range in whole currency units around an anchor budget: a quarter of it to three times it,
/// in hundredths of it.
pub fn range(anchor_micros: i64) -> (i64, i64, i64) {
    let units = (anchor_micros / 1_000_000).max(4);
    (units / 4, units * 3, (units / 100).max(1))
}

/// The budget slider.
#[component]
pub fn BudgetSlider(
    /// The budget the range is built around.
    #[prop(into)]
    anchor: Signal<Option<Budget>>,
    /// The budget the plan currently spends.
    #[prop(into)]
    value: Signal<Option<Budget>>,
    /// Called with the new budget on every move.
    on_input: Callback<Budget>,
) -> impl IntoView {
    view! {
        <Show when=move || anchor.get().is_some() && value.get().is_some()>
            {move || {
                let (Some(anchor), Some(current)) = (anchor.get(), value.get_untracked()) else {
                    return ().into_any();
                };
                let (min, max, step) = range(anchor.micro_amount);
                view! {
                    <div class="slider">
                        <label for="budget-slider" class="slider__label">"Budget"</label>
                        <input
                            id="budget-slider"
                            class="slider__input"
                            type="range"
                            min=min.to_string()
                            max=max.to_string()
                            step=step.to_string()
                            prop:value=move || value.get().map_or(0, |b| b.micro_amount / 1_000_000).to_string()
                            aria-valuetext=move || value.get().map(|b| format::budget(&b)).unwrap_or_default()
                            on:input=move |ev| {
                                if let Ok(units) = event_target_value(&ev).parse::<i64>() {
                                    on_input.run(Budget { micro_amount: units.saturating_mul(1_000_000), ..current });
                                }
                            }
                        />
                        <output class="slider__value" for="budget-slider">
                            {move || value.get().map(|b| format::budget(&b)).unwrap_or_default()}
                        </output>
                    </div>
                }
                .into_any()
            }}
        </Show>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_range_brackets_the_anchor_in_whole_steps() {
        let (min, max, step) = super::range(50_000_000_000);
        assert_eq!((min, max, step), (12_500, 150_000, 500));
        assert_eq!((50_000 - min) % step, 0, "the anchor itself is a stop");
        assert_eq!(super::range(1_000_000), (1, 12, 1), "tiny budgets still slide");
    }
}
