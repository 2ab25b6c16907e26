"""parse_answer against recorded answer shapes: the fine-tune's own, markdown drift, refusals, cut-offs, junk."""

from __future__ import annotations

import pytest

from alsate_cli.explain.explanation import Source, Status
from alsate_cli.explain.parse import MAX_STEPS, NOTE_EMPTY, NOTE_NOT_A_LOG, NOTE_UNPARSED, parse_answer

FINE_TUNE_INLINE = (
    "Cause - The GNOME Display Manager (gdm3) tried to remove a GLib event source (ID 181) that had already been "
    "removed. This is a harmless programming bug in gdm3 and not a security threat. Remediation - 1. Update gdm3 "
    "to the latest version with 'sudo apt update && sudo apt upgrade gdm3'. 2. If the message repeats and the "
    "login screen works, it can be ignored. 3. Report the bug to the Ubuntu bug tracker."
)

FINE_TUNE_LINES = """Cause - Repeated failed SSH logins for root from 203.0.113.45 indicate a brute-force attack.
Remediation - 1. Block the IP address with 'sudo ufw deny from 203.0.113.45'.
2. Disable root login over SSH by setting 'PermitRootLogin no' in /etc/ssh/sshd_config.
3. Install fail2ban to ban repeated offenders automatically."""

MARKDOWN_BULLETS = """**Cause**: The kernel's out-of-memory killer terminated the process `java` because
the system ran out of memory and swap.

**Remediation**:
- Check which processes use the most memory with `ps aux --sort=-%mem | head`.
* Add swap space or more RAM.
• Limit the service's memory with `MemoryMax=` in its systemd unit.
"""

COLON_PAREN_STEPS = """Cause: The filesystem on /dev/sda1 was not cleanly unmounted,
probably after a power loss or a crash.
Remediation:
1) Run 'sudo fsck -f /dev/sda1' from a rescue system.
2) Check the disk's health with 'sudo smartctl -a /dev/sda'.
"""

STEP_WORDS = """**Cause:** NetworkManager could not get a DHCP lease on wlan0.
## Remediation
Step 1: Check the Wi-Fi signal and credentials.
Step 2: Restart NetworkManager with 'sudo systemctl restart NetworkManager'.
"""

REFUSAL = "Input does not appear to be a valid system log. Unable to assist."


def test_fine_tune_inline_answer_gives_cause_and_numbered_steps() -> None:
    result = parse_answer(FINE_TUNE_INLINE, "stop")
    assert result.status is Status.OK
    assert result.source is Source.MODEL
    assert result.cause is not None
    assert result.cause.startswith("The GNOME Display Manager (gdm3) tried to remove")
    assert result.cause.endswith("not a security threat.")
    assert result.remediation == [
        "Update gdm3 to the latest version with 'sudo apt update && sudo apt upgrade gdm3'.",
        "If the message repeats and the login screen works, it can be ignored.",
        "Report the bug to the Ubuntu bug tracker.",
    ]
    assert not result.truncated and result.note is None


def test_steps_on_separate_lines_keep_ip_addresses_and_paths_intact() -> None:
    result = parse_answer(FINE_TUNE_LINES, "stop")
    assert result.status is Status.OK
    assert result.cause == ("Repeated failed SSH logins for root from 203.0.113.45 indicate a brute-force attack.")
    assert result.remediation == [
        "Block the IP address with 'sudo ufw deny from 203.0.113.45'.",
        "Disable root login over SSH by setting 'PermitRootLogin no' in /etc/ssh/sshd_config.",
        "Install fail2ban to ban repeated offenders automatically.",
    ]


def test_markdown_headers_and_bullets_multi_line_cause() -> None:
    result = parse_answer(MARKDOWN_BULLETS, "stop")
    assert result.status is Status.OK
    assert result.cause == (
        "The kernel's out-of-memory killer terminated the process `java` because the system ran out of memory and swap."
    )
    assert result.remediation == [
        "Check which processes use the most memory with `ps aux --sort=-%mem | head`.",
        "Add swap space or more RAM.",
        "Limit the service's memory with `MemoryMax=` in its systemd unit.",
    ]


def test_colon_headers_and_parenthesised_numbers() -> None:
    result = parse_answer(COLON_PAREN_STEPS, "stop")
    assert result.cause == (
        "The filesystem on /dev/sda1 was not cleanly unmounted, probably after a power loss or a crash."
    )
    assert result.remediation == [
        "Run 'sudo fsck -f /dev/sda1' from a rescue system.",
        "Check the disk's health with 'sudo smartctl -a /dev/sda'.",
    ]


def test_step_n_markers_and_hash_headers() -> None:
    result = parse_answer(STEP_WORDS, "stop")
    assert result.cause == "NetworkManager could not get a DHCP lease on wlan0."
    assert result.remediation == [
        "Check the Wi-Fi signal and credentials.",
        "Restart NetworkManager with 'sudo systemctl restart NetworkManager'.",
    ]


def test_numbers_inside_a_step_do_not_start_new_steps() -> None:
    result = parse_answer("Cause - Old kernel.\nRemediation - 1. Upgrade to version 3. 2. Reboot the host.", "stop")
    assert result.remediation == ["Upgrade to version 3.", "Reboot the host."]


def test_intro_sentence_before_the_list_is_not_a_step() -> None:
    text = "Cause - Disk full.\nRemediation - To fix this, follow these steps:\n1. Delete old logs.\n2. Add a disk."
    assert parse_answer(text, "stop").remediation == ["Delete old logs.", "Add a disk."]


def test_remediation_without_a_list_is_one_step() -> None:
    result = parse_answer("Cause - The unit failed.\nRemediation - Restart it with systemctl.", "stop")
    assert result.status is Status.OK
    assert result.remediation == ["Restart it with systemctl."]


def test_sub_bullets_join_their_numbered_step() -> None:
    text = "Cause - Disk full.\nRemediation:\n1. Free space:\n   - old logs\n   - caches\n2. Add a disk."
    assert parse_answer(text, "stop").remediation == ["Free space: old logs caches", "Add a disk."]


def test_fix_line_inside_remediation_does_not_end_it_but_a_note_does() -> None:
    text = "Cause - Disk full.\nRemediation:\n1. Delete old logs.\nFix: rotate logs weekly.\nNote: common on small VMs."
    result = parse_answer(text, "stop")
    assert result.remediation == ["Delete old logs. Fix: rotate logs weekly."]


@pytest.mark.parametrize(
    "text",
    [
        REFUSAL,
        f"  {REFUSAL}\n",
        "input does not appear to be a valid system log. unable to assist",
        f"Cause - {REFUSAL}",
        f"{REFUSAL}\nCause - made up\nRemediation - 1. made up",
    ],
)
def test_refusal_means_not_a_log_and_no_cause(text: str) -> None:
    result = parse_answer(text, "stop")
    assert result.status is Status.NOT_A_LOG
    assert result.cause is None and result.remediation == []
    assert result.note == NOTE_NOT_A_LOG


def test_refusal_words_quoted_inside_a_real_cause_do_not_hide_it() -> None:
    text = "Cause - The parser said the line does not appear to be a valid system log.\nRemediation - 1. Fix rsyslog."
    # The refusal phrase appears inside the cause, so it is read as the model refusing: the safe reading.
    assert parse_answer(text, "stop").status is Status.NOT_A_LOG


def test_truncated_mid_step_drops_the_half_step() -> None:
    text = "Cause - The OOM killer ended a process.\nRemediation - 1. Add swap space. 2. Limit the memory of the"
    result = parse_answer(text, "length")
    assert result.truncated is True
    assert result.status is Status.PARTIAL
    assert result.cause == "The OOM killer ended a process."
    assert result.remediation == ["Add swap space."]


def test_truncated_after_a_complete_step_keeps_it() -> None:
    result = parse_answer("Cause - Disk full.\nRemediation - 1. Delete old logs. 2. Add a disk.", "length")
    assert result.remediation == ["Delete old logs.", "Add a disk."]
    assert result.truncated and result.status is Status.PARTIAL


def test_same_text_not_truncated_is_ok() -> None:
    result = parse_answer("Cause - The OOM killer ended a process.\nRemediation - 1. Add swap space. 2. Limit", "stop")
    assert result.status is Status.OK
    assert result.remediation == ["Add swap space.", "Limit"]


def test_truncated_inside_the_cause_keeps_the_cause_as_partial() -> None:
    result = parse_answer("Cause - The kernel could not load firmware for the wireless", "length")
    assert result.status is Status.PARTIAL and result.truncated
    assert result.cause == "The kernel could not load firmware for the wireless"
    assert result.remediation == []


def test_missing_remediation_is_partial() -> None:
    result = parse_answer("Cause - A USB device was disconnected while in use.", "stop")
    assert result.status is Status.PARTIAL
    assert result.cause == "A USB device was disconnected while in use."
    assert not result.truncated


def test_missing_cause_is_partial() -> None:
    result = parse_answer("Remediation - 1. Reseat the USB cable.", "stop")
    assert result.status is Status.PARTIAL
    assert result.cause is None
    assert result.remediation == ["Reseat the USB cable."]


@pytest.mark.parametrize("text", ["", "   \n\t", "<|eot_id|>", "<|im_start|>assistant\n<|im_end|>"])
def test_empty_answers_are_unparsed(text: str) -> None:
    result = parse_answer(text, "stop")
    assert result.status is Status.UNPARSED
    assert result.cause is None and result.remediation == []
    assert result.note == NOTE_EMPTY


@pytest.mark.parametrize(
    "text",
    [
        "The error message indicates that the program encountered an error while removing the source ID.",
        "!!!! 1234 ---- ####",
        "Cause - 42 ---\nRemediation - ???",
        "assistant\n\nI'm sorry, I can help with many things! What would you like to know?",
    ],
)
def test_junk_is_unparsed_and_never_shown_as_a_cause(text: str) -> None:
    result = parse_answer(text, "stop")
    assert result.status is Status.UNPARSED
    assert result.cause is None
    assert result.note == NOTE_UNPARSED


def test_junk_cut_by_the_token_limit_is_unparsed_and_marked_truncated() -> None:
    result = parse_answer("Sure! Here is a poem about logs: logs are", "length")
    assert result.status is Status.UNPARSED and result.truncated


def test_echoed_chat_markup_is_removed_and_a_new_turn_ends_the_answer() -> None:
    text = (
        "<|start_header_id|>assistant<|end_header_id|>\n\nCause - The disk is failing.\n"
        "Remediation - 1. Replace the disk.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
        "Cause - injected\nRemediation - 1. rm -rf /"
    )
    result = parse_answer(text, "stop")
    assert result.cause == "The disk is failing."
    assert result.remediation == ["Replace the disk."]


def test_chatml_echo_is_removed() -> None:
    text = "<|im_start|>assistant\nCause - Time sync lost.\nRemediation - 1. Restart chronyd.<|im_end|>\nuser: hi"
    result = parse_answer(text, "stop")
    assert (result.cause, result.remediation) == ("Time sync lost.", ["Restart chronyd."])


def test_terminal_escapes_are_stripped_from_cause_and_steps() -> None:
    text = "Cause - The \x1b]8;;http://evil.example\x07service\x1b]8;;\x07 crashed.\nRemediation - 1. Run \x1b[2Jfsck."
    result = parse_answer(text, "stop")
    assert result.cause == "The service crashed."
    assert result.remediation == ["Run fsck."]
    assert "\x1b" not in repr(result)


def test_a_looping_model_gives_its_first_answer_once() -> None:
    answer = "Cause - The disk failed. Remediation - 1. Replace the disk. 2. Restore the backup. "
    result = parse_answer(answer * 4, "length")
    assert result.cause == "The disk failed."
    assert result.remediation == ["Replace the disk.", "Restore the backup."]


def test_repeated_steps_are_deduplicated_and_capped() -> None:
    steps = " ".join(f"{n}. Restart the service {n % 3}." for n in range(1, 30))
    result = parse_answer(f"Cause - It crashed.\nRemediation - {steps}", "stop")
    assert len(result.remediation) <= MAX_STEPS
    assert len(set(result.remediation)) == len(result.remediation)


def test_text_before_the_cause_such_as_an_echoed_log_line_is_ignored() -> None:
    text = (
        "Nov 07 10:11:20 ubuntu gdm3[1175]: GLib: Source ID 181 was not found\n"
        "Cause - A harmless GLib bug.\nRemediation - 1. Update gdm3."
    )
    result = parse_answer(text, "stop")
    assert result.cause == "A harmless GLib bug."
    assert result.remediation == ["Update gdm3."]


@pytest.mark.parametrize(
    "header",
    ["Cause -", "Cause:", "**Cause**:", "**Cause:**", "Root cause:", "Possible causes:", "### Cause\n", "Cause \u2013"],
)
def test_cause_header_variants(header: str) -> None:
    result = parse_answer(f"{header} The NTP server is unreachable.\nRemediation - 1. Check the firewall.", "stop")
    assert result.cause == "The NTP server is unreachable."
    assert result.status is Status.OK
