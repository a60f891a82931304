"""The panorama's evidence seed is derived from the manifest and up to date."""

from __future__ import annotations

from loader.cli import main
from loader.wiki import evidence_from_manifest


def test_evidence_comes_from_wiki_rows_and_unit_test_given_rows() -> None:
    manifest = {
        "nodes": {
            "model.moocdb.int_x": {"path": "intermediate/x/int_x.sql"},
            "model.moocdb.panorama": {"path": "diagnosis/panorama.sql"},
        },
        "docs": {
            "doc.moocdb.wiki_family_video": {
                "package_name": "moocdb",
                "name": "wiki_family_video",
                "block_contents": "| type | rows |\n|---|---|\n| `play_video` | one |\n"
                "| `seek_video` (browser) | one |\nnot a row `pause_video`\n",
            },
            "doc.moocdb.other": {
                "package_name": "moocdb",
                "name": "other",
                "block_contents": "| `stop_video` | x |",
            },
        },
        "unit_tests": {
            "a": {
                "package_name": "moocdb",
                "name": "video_test",
                "model": "int_x",
                "given": [
                    {
                        "input": "ref('stg_tracking_log__events')",
                        "rows": [
                            {"event_type": "play_video", "event_source": "mobile"},
                            {"event_type": "load_video"},
                            {"event_id": 3},
                        ],
                    },
                    {
                        "input": "ref('y')",
                        "format": "csv",
                        "rows": "event_type,event_source\nbook,browser\n",
                    },
                ],
            },
            "b": {
                "package_name": "moocdb",
                "name": "panorama_case",
                "model": "panorama",
                "given": [{"input": "ref('z')", "rows": [{"event_type": "made.up"}]}],
            },
        },
    }
    assert evidence_from_manifest(manifest) == [
        ("book", "browser", "unit_test", "video_test"),
        ("load_video", "*", "unit_test", "video_test"),
        ("play_video", "*", "wiki", "wiki_family_video"),
        ("play_video", "mobile", "unit_test", "video_test"),
        ("seek_video", "*", "wiki", "wiki_family_video"),
    ]


def test_the_committed_evidence_seed_is_up_to_date() -> None:
    """Fails after a doc block or unit test changed: run `python -m loader wiki`."""
    assert main(["wiki", "--check"]) == 0
