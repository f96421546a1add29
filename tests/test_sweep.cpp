// The sweep runner (algorithms/experiments/sweep.hpp): results in job order whatever order the jobs finish in,
// one round-trip file per job, the same values on 1 and 2 threads, --resume running only the jobs whose file is
// missing or unreadable, and the errors (duplicate or unsafe keys, a failing job named after the others wrote
// their files).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include "algorithms/io/atomic_file.hpp"
#include "algorithms/experiments/sweep.hpp"
#include "engine/threads.hpp"
#include "helpers.hpp"

using namespace imitate;
using namespace imitate::experiments;

namespace {

std::string fresh_dir(const std::string& name) { return scratch_dir("test_sweep", name); }  // run_sweep creates it

// Values that test the text round trip: a third, a denormal, −0, infinities, NaN, a large integer.
JobValues values_of(int i) {
    return {i / 3.0, 4.9e-324 * (i + 1), -0.0, std::numeric_limits<double>::infinity(),
            -std::numeric_limits<double>::infinity(), std::nan(""), 1e17 + i, double(i)};
}

// n jobs "j00".."j<n-1>"; the early ones sleep longest, so they finish last on 2 threads; runs[i] counts calls.
std::vector<Job> counting_jobs(int n, std::vector<std::atomic<int>>& runs) {
    std::vector<Job> jobs;
    for (int i = 0; i < n; ++i)
        jobs.push_back({"j" + std::string(i < 10 ? "0" : "") + std::to_string(i), [i, n, &runs] {
                            ++runs[i];
                            std::this_thread::sleep_for(std::chrono::milliseconds(2 * (n - i)));
                            return values_of(i);
                        }});
    return jobs;
}

bool same_bits(const JobValues& a, const JobValues& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], sizeof(double)) != 0 && !(std::isnan(a[i]) && std::isnan(b[i]))) return false;
    return true;
}

}  // namespace

TEST_CASE("sweep: results in job order, exact round trip, one file per job, same on 1 and 2 threads") {
    const int n = 12;
    std::vector<std::atomic<int>> runs(n);
    std::vector<std::string> texts;
    for (int threads : {1, 2}) {
        set_threads(threads);
        const std::string dir = fresh_dir("order_t" + std::to_string(threads));
        std::vector<std::string> lines;
        SweepOptions opt{dir, false, [&](const std::string& m) { lines.push_back(m); }, ""};
        const std::vector<JobValues> out = run_sweep(counting_jobs(n, runs), opt);
        REQUIRE(out.size() == size_t(n));
        for (int i = 0; i < n; ++i) CHECK(same_bits(out[i], values_of(i)));
        CHECK(std::signbit(out[0][2]));  // −0 stays negative
        CHECK(lines.size() == size_t(n));  // one progress line per job
        CHECK(lines.back().find("job 12/12 done: ") == 0);
        std::string all;
        for (int i = 0; i < n; ++i) all += read_file(dir + "/j" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ".txt");
        texts.push_back(all);
    }
    set_threads(2);
    CHECK(texts[0] == texts[1]);
    for (auto& r : runs) CHECK(r == 2);
    CHECK(is_report_writer());
}

TEST_CASE("sweep: resume runs only the missing and unreadable jobs and returns the same values") {
    const int n = 8;
    std::vector<std::atomic<int>> runs(n);
    const std::string dir = fresh_dir("resume");
    const std::vector<JobValues> first = run_sweep(counting_jobs(n, runs), {dir, false, {}, ""});

    // nothing missing: nothing runs
    for (auto& r : runs) r = 0;
    const std::vector<JobValues> again = run_sweep(counting_jobs(n, runs), {dir, true, {}, ""});
    for (auto& r : runs) CHECK(r == 0);
    for (int i = 0; i < n; ++i) CHECK(same_bits(again[i], first[i]));

    // a lost file, a truncated one, one with a stray value, one of another key: those four run again
    std::filesystem::remove(dir + "/j01.txt");
    const std::string t3 = read_file(dir + "/j03.txt");
    write_file_atomic(dir + "/j03.txt", t3.substr(0, t3.size() / 2));
    write_file_atomic(dir + "/j05.txt", read_file(dir + "/j05.txt") + "1\n");
    write_file_atomic(dir + "/j06.txt", read_file(dir + "/j07.txt"));
    std::vector<std::string> lines;
    const std::vector<JobValues> resumed = run_sweep(counting_jobs(n, runs), {dir, true, [&](const std::string& m) { lines.push_back(m); }, ""});
    for (int i = 0; i < n; ++i) CHECK_MESSAGE(runs[i] == (i == 1 || i == 3 || i == 5 || i == 6 ? 1 : 0), "job " << i);
    for (int i = 0; i < n; ++i) CHECK(same_bits(resumed[i], first[i]));
    REQUIRE(!lines.empty());
    CHECK(lines.front().find("resume: 4 of 8 jobs already done") == 0);

    // without resume every job runs again, whatever is on disk
    for (auto& r : runs) r = 0;
    run_sweep(counting_jobs(n, runs), {dir, false, {}, ""});
    for (auto& r : runs) CHECK(r == 1);

    // files of another setting (another fingerprint) are not reused; files of this one are
    for (auto& r : runs) r = 0;
    run_sweep(counting_jobs(n, runs), {dir, true, {}, "budget=2"});
    for (auto& r : runs) CHECK(r == 1);
    CHECK(read_file(dir + "/j00.txt").rfind("# sweep job j00 [budget=2]: 8 values\n", 0) == 0);
    run_sweep(counting_jobs(n, runs), {dir, true, {}, "budget=2"});
    for (auto& r : runs) CHECK(r == 1);
    CHECK_THROWS_AS(run_sweep(counting_jobs(n, runs), {dir, true, {}, "two\nlines"}), std::invalid_argument);
}

TEST_CASE("sweep: bad keys are refused; a failing job is named after the others wrote their files") {
    auto one = [] { return JobValues{1.0}; };
    const std::string dir = fresh_dir("errors");
    CHECK_THROWS_WITH_AS(run_sweep({{"a", one}, {"a", one}}, {dir, false, {}, ""}), "sweep: job key 'a' appears twice",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(run_sweep({{"../x", one}}, {dir, false, {}, ""}),
                         "sweep: job key '../x' is not a file name of [A-Za-z0-9_.-]", std::invalid_argument);
    CHECK_THROWS_AS(run_sweep({{"", one}}, {dir, false, {}, ""}), std::invalid_argument);
    CHECK_THROWS_AS(run_sweep({{"a", one}}, {"", false, {}, ""}), std::invalid_argument);

    std::vector<Job> jobs{{"ok1", one}, {"bad", []() -> JobValues { throw std::runtime_error("diverged"); }}, {"ok2", one}};
    CHECK_THROWS_WITH_AS(run_sweep(jobs, {dir, false, {}, ""}), "sweep: job 'bad' failed: diverged", std::runtime_error);
    CHECK(std::filesystem::exists(dir + "/ok1.txt"));
    CHECK(std::filesystem::exists(dir + "/ok2.txt"));
    CHECK(!std::filesystem::exists(dir + "/bad.txt"));

    // a job directory that cannot be created (a file is in the way)
    write_file_atomic(dir + "/file", "x");
    CHECK_THROWS_AS(run_sweep({{"a", one}}, {dir + "/file/sub", false, {}, ""}), std::runtime_error);
    // an empty sweep is fine
    CHECK(run_sweep({}, {dir, false, {}, ""}).empty());
}
