# SPDX-License-Identifier: LGPL-2.1-or-later

"""Check the word-frequency example against an independent word count.

Usage:
  check-word-frequency.py counts PROGRAM [OPTION...] -- [FILE...]
  check-word-frequency.py errors PROGRAM DATA_DIR

"counts" runs PROGRAM --tsv with the options on the files and compares its
output with counts computed here by a different method: the regular
expression [^\\W\\d_]+ on the text decoded as UTF-8, with str.casefold().
Invalid bytes decode to U+FFFD, which is not a letter, as in the program.
It also checks the totals of the human-readable summary. Without files,
both sides read every regular file in /usr/share/common-licenses, and the
test is skipped when that directory does not exist.

The two methods agree on every Unicode character except these, checked
over all code points with Python 3.11 and GLib 2.74:
  - numbers of category No or Nl (superscript digits, vulgar fractions,
    Roman numerals), which the expression matches but g_unichar_isalpha()
    rejects;
  - Cherokee letters, which str.casefold() folds to uppercase and
    g_utf8_casefold() to lowercase;
  - characters added in Unicode 15, which GLib 2.74 knows and Python 3.11
    does not.
The fixtures under data/ contain none of them.

"errors" checks that bad input and bad options end with exit status 1 and
a message naming the file or option, without hanging.

Exit status: 0 on success, 1 on a mismatch, 77 when the test is skipped.
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_INPUT_DIRECTORY = "/usr/share/common-licenses"
WORD = re.compile(r"[^\W\d_]+")
TIMEOUT_SECONDS = 120
EXIT_SKIP = 77


def count_words(paths):
    counts = collections.Counter()
    for path in paths:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        for word in WORD.findall(text):
            counts[word.casefold()] += 1
    return counts


def list_regular_files(directory):
    paths = []
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        # os.path.isfile() follows symbolic links, like the program.
        if os.path.isfile(path):
            paths.append(path)
    return sorted(paths)


def run(program, args):
    return subprocess.run(
        [program] + args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=TIMEOUT_SECONDS,
    )


def expected_tsv(counts):
    lines = []
    # Python compares str by code point, which matches the program's
    # strcmp() on UTF-8.
    for word, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"{word}\t{count}")
    lines.append(f"#total\t{sum(counts.values())}")
    return lines


def report_difference(expected, actual):
    print(f"expected {len(expected)} lines, got {len(actual)}")
    for index, (expected_line, actual_line) in enumerate(zip(expected, actual)):
        if expected_line != actual_line:
            print(f"first difference at line {index + 1}:")
            print(f"  expected: {expected_line!r}")
            print(f"  actual:   {actual_line!r}")
            return
    shorter = "actual" if len(actual) < len(expected) else "expected"
    print(f"the {shorter} output ends early")


def check_tsv(program, options, paths, counts):
    result = run(program, options + ["--tsv"] + paths)
    if result.returncode != 0:
        print(f"word-frequency --tsv exited with status {result.returncode}")
        print(result.stderr.decode("utf-8", errors="replace"))
        return False

    actual = result.stdout.decode("utf-8").splitlines()
    expected = expected_tsv(counts)
    if actual != expected:
        report_difference(expected, actual)
        return False

    print(f"--tsv: {sum(counts.values())} words, {len(counts)} distinct, as expected")
    return True


def check_summary(program, options, paths, counts):
    top = 5
    result = run(program, options + ["--top", str(top)] + paths)
    if result.returncode != 0:
        print(f"word-frequency exited with status {result.returncode}")
        print(result.stderr.decode("utf-8", errors="replace"))
        return False

    output = result.stdout.decode("utf-8")
    problems = []
    for label, value in (("Words", sum(counts.values())), ("Distinct words", len(counts))):
        match = re.search(rf"^{label}: +(\d+)$", output, re.MULTILINE)
        if match is None or int(match.group(1)) != value:
            problems.append(f"expected the line “{label}: {value}”")

    top_lines = re.findall(r"^ +(\d+)  (\S+)$", output, re.MULTILINE)
    expected_top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    actual_top = [(word, int(count)) for count, word in top_lines]
    if actual_top != expected_top:
        problems.append(f"expected the top words {expected_top}, got {actual_top}")

    if problems:
        for problem in problems:
            print(f"summary: {problem}")
        print(f"summary output:\n{output}")
        return False

    print(f"summary: totals and top {top} words as expected")
    return True


def check_counts(program, args):
    if "--" not in args:
        print("counts: missing “--” between the options and the files")
        return 1
    separator = args.index("--")
    options = args[:separator]
    paths = args[separator + 1:]

    if not paths:
        if not os.path.isdir(DEFAULT_INPUT_DIRECTORY):
            print(f"{DEFAULT_INPUT_DIRECTORY} not found, skipping")
            return EXIT_SKIP
        expected_paths = list_regular_files(DEFAULT_INPUT_DIRECTORY)
    else:
        expected_paths = paths

    counts = count_words(expected_paths)
    ok = check_tsv(program, options, paths, counts)
    ok = check_summary(program, options, paths, counts) and ok
    return 0 if ok else 1


def expect_failure(program, args, expected_text, description):
    try:
        result = run(program, args)
    except subprocess.TimeoutExpired:
        print(f"{description}: no exit within {TIMEOUT_SECONDS} s")
        return False

    stderr = result.stderr.decode("utf-8", errors="replace")
    ok = True
    if result.returncode != 1:
        print(f"{description}: expected exit status 1, got {result.returncode}")
        ok = False
    if expected_text not in stderr:
        print(f"{description}: expected “{expected_text}” in the error output, got:\n{stderr}")
        ok = False
    if ok:
        print(f"{description}: {stderr.strip()}")
    return ok


def check_errors(program, args):
    if len(args) != 1:
        print("errors: expected DATA_DIR")
        return 1
    data_dir = args[0]
    valid_file = os.path.join(data_dir, "prose.txt")

    with tempfile.TemporaryDirectory() as temporary_dir:
        missing_file = os.path.join(temporary_dir, "missing.txt")
        cases = [
            ([missing_file], missing_file, "missing file"),
            ([valid_file, missing_file, valid_file], missing_file,
             "missing file after a valid one"),
            (["--chunk-size", "7", valid_file, missing_file], missing_file,
             "missing file with small chunks"),
            ([temporary_dir], temporary_dir, "directory"),
            (["--counters", "0", valid_file], "--counters", "zero counters"),
            (["--counters", "100000", valid_file], "--counters", "too many counters"),
            (["--chunk-size", "0", valid_file], "--chunk-size", "zero chunk size"),
            (["--chunk-size", "many", valid_file], "--chunk-size", "chunk size not a number"),
            (["--top", "-1", valid_file], "--top", "negative top"),
            (["--no-such-option"], "--no-such-option", "unknown option"),
        ]
        results = [expect_failure(program, case_args, text, description)
                   for case_args, text, description in cases]

    return 0 if all(results) else 1


def main(argv):
    if len(argv) < 3 or argv[1] not in ("counts", "errors"):
        print(__doc__)
        return 1

    mode, program, args = argv[1], argv[2], argv[3:]
    if mode == "counts":
        return check_counts(program, args)
    return check_errors(program, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
