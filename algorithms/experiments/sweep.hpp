// Sweeps: an experiment as a list of independent jobs, one (configuration, training seed) each, run on one
// machine (threads) or many (Open MPI ranks), written down as they finish so a preempted sweep resumes.
//
//   jobs  = [(key, run) for config in configs for seed in seeds]
//   run_sweep(jobs) -> every job's numbers, in job order, on the process that writes the report
//
// A job's result is a short vector of doubles (the experiment's typed per-seed result flattened in a fixed
// order: each experiment defines to_values / from_values beside its result struct). Each finished job is
// written atomically to <dir>/<key>.txt as the values in round-trip text (%.17g), and the report is computed
// from the values read back, so a single process, an MPI run and a resumed run give the same bytes.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace imitate::experiments {

using JobValues = std::vector<double>;

struct Job {
    std::string key;                  // unique within the sweep, file-name safe ([A-Za-z0-9_.-]), e.g. "bc_H4_s07"
    std::function<JobValues()> run;   // deterministic: same values on any thread count, rank or machine
};

struct SweepOptions {
    std::string dir;                  // where job files go (created if missing), e.g. out_dir/jobs/chunking
    bool resume = false;              // keep jobs whose file exists and parses; run only the missing ones
    std::function<void(const std::string&)> log;  // progress lines ("job 12/40 done: bc_H4_s07"), optional
    std::string fingerprint;          // one line naming what the values depend on besides the key (budgets, seeds,
                                      //   env); stored in each job file, and resume reruns a file whose differs
};

// Runs every job that is missing (all of them unless opt.resume), this process's share of them under MPI,
// the jobs spread over this process's threads (each job single-threaded inside). Writes each result as it
// completes. Then waits for all ranks and returns all results in job order on the report writer; other ranks
// get an empty vector. Throws std::invalid_argument for duplicate or unsafe keys, std::runtime_error naming
// the job for a job that throws (after the others finished and were written) or a file that cannot be
// written or read back.
std::vector<JobValues> run_sweep(const std::vector<Job>& jobs, const SweepOptions& opt);

// True on the one process that writes reports: rank 0 under MPI, always without MPI.
bool is_report_writer();

// Starts and stops MPI when built with it (a no-op otherwise); the imitate command holds one for its lifetime.
struct SweepSession {
    SweepSession(int& argc, char**& argv);
    ~SweepSession();
    SweepSession(const SweepSession&) = delete;
    SweepSession& operator=(const SweepSession&) = delete;
};

}  // namespace imitate::experiments
