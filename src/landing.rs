//! The public landing page.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

const FEATURES: [(&str, &str, &str); 6] = [
    (
        "📈",
        "True numbers",
        "Requests, latency percentiles, success rate, tokens and cost, computed from the events your services report.",
    ),
    (
        "⚡",
        "Live",
        "Counters move as events arrive, with a comparison against the previous period on every card.",
    ),
    (
        "🤖",
        "Every kind of agent",
        "Chatbots, RAG sites, voice agents and custom agents, each with its own page and API keys.",
    ),
    (
        "🔐",
        "Secure by default",
        "Sessions you can see and end, bcrypt-hashed passwords, and data only you can reach.",
    ),
    (
        "🧾",
        "Usage and billing",
        "Usage against your plan, a projection to the end of the month and your monthly statements.",
    ),
    (
        "⬇️",
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
                                <span class="feature__icon" aria-hidden="true">{icon}</span>
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
