//! The public landing page.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// Feature icons as SVG paths (24×24, stroked): every machine draws them, emoji fonts or not.
const CHART: &str = "M3 3v18h18M7 15l4-4 3 3 5-6";
const BOLT: &str = "M13 2 4 14h7l-1 8 9-12h-7z";
const BOT: &str = "M12 4v3M5 9h14v9H5zM9 13h.01M15 13h.01M3 13v2M21 13v2";
const SHIELD: &str = "M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6z M9 12l2 2 4-4";
const RECEIPT: &str = "M6 3h12v18l-3-2-3 2-3-2-3 2zM9 8h6M9 12h6";
const DOWNLOAD: &str = "M12 4v11M7 10l5 5 5-5M5 20h14";

const FEATURES: [(&str, &str, &str); 6] = [
    (
        CHART,
        "True numbers",
        "Requests, latency percentiles, success rate, tokens and cost, computed from the events your services report.",
    ),
    (
        BOLT,
        "Live",
        "Counters move as events arrive, with a comparison against the previous period on every card.",
    ),
    (
        BOT,
        "Every kind of agent",
        "Chatbots, RAG sites, voice agents and custom agents, each with its own page and API keys.",
    ),
    (
        SHIELD,
        "Secure by default",
        "Sessions you can see and end, bcrypt-hashed passwords, and data only you can reach.",
    ),
    (
        RECEIPT,
        "Usage and billing",
        "Usage against your plan, a projection to the end of the month and your monthly statements.",
    ),
    (
        DOWNLOAD,
        "Export",
        "Download any view as CSV, with exactly the figures on the screen.",
    ),
];

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text="" />
        <Meta name="description" content="See what the chatbots, RAG sites and voice agents built for you are doing." />
        <section class="hero">
            <p class="hero__eyebrow">"Client portal for AI services"</p>
            <h1 class="hero__title">
                "Your AI services, " <span class="gradient-text">"measured and in your hands"</span>
            </h1>
            <p class="hero__lead">
                "Sign in to see what the chatbots, RAG sites and voice agents we built for you are doing — and to manage them."
            </p>
            <div class="hero__actions">
                <a class="button button--primary button--large" href="/auth/register">
                    "Create your account"
                </a>
                <a class="button button--large" href="/auth/signin">
                    "Sign in"
                </a>
            </div>
        </section>
        <section id="features" class="features" aria-labelledby="features-title">
            <h2 id="features-title">"Everything you need to trust your AI"</h2>
            <ul class="features__grid">
                {FEATURES
                    .into_iter()
                    .map(|(icon, title, text)| {
                        view! {
                            <li class="card feature">
                                <svg class="feature__icon" viewBox="0 0 24 24" aria-hidden="true">
                                    <path d=icon />
                                </svg>
                                <h3>{title}</h3>
                                <p>{text}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}
