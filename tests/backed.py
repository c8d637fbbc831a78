"""Content whose every claim is backed by a real passage of the seeded sources: publishable."""

DRUGS = (
    "Drugs like pembrolizumab and nivolumab have shown remarkable success in treating melanoma, "
    "lung cancer, and bladder cancer, among others."
)
APPROVAL = (
    "Immunotherapy has been approved to treat a variety of cancer types, including melanoma, lung "
    "cancer, bladder cancer, kidney cancer, lymphoma, and more."
)
SIDE_EFFECTS = "These can include fatigue, skin reactions, flu-like symptoms, and autoimmune reactions."

# A therapy whose every claim is backed: publishing it succeeds.
BACKED_THERAPY = {
    "name": "Oncolytic virus therapy",
    "summary": "A therapy described for testing.",
    "body": "Some drugs help against melanoma.[^c1]\n\n- It may tire you.[^fx]",
    "examples": ["nivolumab"],
    "side_effects": ["fatigue"],
    "indications": ["melanoma"],
    "sources": [
        {
            "id": "c1",
            "source": "immunotherapy-use",
            "quote": DRUGS,
            "supports": ["summary", "body", "examples:nivolumab", "indications:melanoma"],
        },
        {
            "id": "fx",
            "source": "immunotherapy-breakthroughs",
            "quote": SIDE_EFFECTS,
            "supports": ["side_effects:fatigue"],
        },
    ],
}

# A citation that backs a FAQ's answer.
BACKED_ANSWER = {"id": "1", "source": "immunotherapy-use", "quote": DRUGS, "supports": ["answer"]}
