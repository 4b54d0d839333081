"""The [quality] section of policy.toml: defaults, overrides, and what the strict loader refuses."""

from __future__ import annotations

import math
import tomllib

import pytest

from copydesk import freshness
from copydesk.errors import PolicyError
from copydesk.freshness import QualityPolicy, load_policy, policy_from_dict


def test_the_shipped_policy_file_holds_the_built_in_quality_defaults():
    shipped = load_policy(freshness.DEFAULT_POLICY_FILE).quality
    assert shipped == QualityPolicy()
    assert (shipped.words_per_minute, shipped.template_min_posts) == (238.0, 5)
    assert set(shipped.weights) == set(freshness.QUALITY_WEIGHTS)
    text = freshness.DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    queue_keys = {"computed_low", "disagreement_margin", "template_heavy_share"}
    assert set(tomllib.loads(text)["quality"]) == {*QualityPolicy().settings(), *queue_keys}  # every key is written out
    # the queue's thresholds change no score: a change of them must not rescore the corpus
    assert not queue_keys & set(QualityPolicy().settings())
    assert (shipped.computed_low, shipped.disagreement_margin, shipped.template_heavy_share) == (50, 30, 0.6)


def test_the_queue_thresholds_are_checked():
    q = policy_from_dict({"quality": {"disagreement_margin": 20, "template_heavy_share": 0.5, "computed_low": 40}}).quality
    assert (q.disagreement_margin, q.template_heavy_share, q.computed_low) == (20, 0.5, 40)
    with pytest.raises(PolicyError, match="template_heavy_share"):
        policy_from_dict({"quality": {"template_heavy_share": 1.5}})
    with pytest.raises(PolicyError, match="whole number"):
        policy_from_dict({"quality": {"disagreement_margin": 2.5}})


def test_overrides_keep_the_other_defaults():
    q = policy_from_dict({"quality": {"words_per_minute": 200, "template_min_posts": 3,
                                      "weights": {"originality": 50}}}).quality
    assert (q.words_per_minute, q.template_min_posts, q.thin_words) == (200.0, 3, 150)
    assert q.weights == {**QualityPolicy().weights, "originality": 50.0}


@pytest.mark.parametrize("section,message", [
    ({"wpm": 200}, "unknown key"),
    ({"words_per_minute": 0}, "must be > 0"),
    ({"words_per_minute": math.inf}, "finite"),
    ({"words_per_minute": math.nan}, "finite"),
    ({"words_per_minute": "fast"}, "must be a number"),
    ({"words_per_minute": True}, "must be a number"),
    ({"template_min_posts": 0}, "must be > 0"),
    ({"template_min_posts": 2.5}, "whole number"),
    ({"thin_words": -1}, ">= 0"),
    ({"weights": {"beauty": 10}}, "unknown sub-score"),
    ({"weights": {"originality": -1}}, ">= 0"),
    ({"weights": {"originality": math.inf}}, "finite"),
    ({"weights": dict.fromkeys(freshness.QUALITY_WEIGHTS, 0)}, "at least one weight"),
    ({"weights": 3}, "must be a table"),
])
def test_the_strict_loader_refuses_bad_quality_settings(section, message):
    with pytest.raises(PolicyError, match=message):
        policy_from_dict({"quality": section})


def test_a_bad_quality_section_in_a_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text("[quality]\nwords_per_minute = -5\n", encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    assert "\n" not in str(err.value) and "quality.words_per_minute" in str(err.value)
