// The sweep runner (contract in sweep.hpp): which jobs are missing, this process's share of them over its
// threads, one atomic file per finished job, and the results read back from the files. With Open MPI
// (IMITATE_HAVE_MPI) rank 0 decides which jobs are missing and broadcasts it, job i of the missing ones runs on
// rank i mod N, and a barrier separates the running from the reading, so every rank sees every file.
#include "algorithms/experiments/sweep.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "algorithms/atomic_file.hpp"
#include "algorithms/experiments/report.hpp"

#ifdef IMITATE_HAVE_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only: the deprecated C++ bindings warn under -Wextra
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace imitate::experiments {

namespace {

#ifdef IMITATE_HAVE_MPI
bool mpi_on() {
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}
#endif

int rank_of() {
#ifdef IMITATE_HAVE_MPI
    int r = 0;
    if (mpi_on()) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
#else
    return 0;
#endif
}

int ranks() {
#ifdef IMITATE_HAVE_MPI
    int n = 1;
    if (mpi_on()) MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
#else
    return 1;
#endif
}

void barrier() {
#ifdef IMITATE_HAVE_MPI
    if (mpi_on()) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

// Rank 0's bytes to every rank (a no-op without MPI).
void broadcast(std::vector<char>& v) {
#ifdef IMITATE_HAVE_MPI
    if (mpi_on()) MPI_Bcast(v.data(), static_cast<int>(v.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
#else
    (void)v;
#endif
}

// The largest of every rank's x (x itself without MPI).
int max_over_ranks(int x) {
#ifdef IMITATE_HAVE_MPI
    int y = x;
    if (mpi_on()) MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return y;
#else
    return x;
#endif
}

bool safe_key(const std::string& k) {
    if (k.empty() || k == "." || k == "..") return false;
    for (char c : k)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return false;
    return true;
}

// The first line of a job's file: its key, the sweep's fingerprint (if any) and the value count follow.
std::string job_head(const std::string& key, const std::string& fingerprint) {
    return "# sweep job " + key + (fingerprint.empty() ? "" : " [" + fingerprint + "]") + ": ";
}

// The file of a job: a header line naming the key and the count, then one %.17g value per line (round trip).
std::string job_text(const std::string& head, const JobValues& v) {
    std::string s = head + std::to_string(v.size()) + " values\n";
    for (double x : v) {
        char b[40];
        std::snprintf(b, sizeof b, "%.17g\n", x);
        s += b;
    }
    return s;
}

// Parses job_text's output with this head; false (and v untouched) for a missing, foreign or malformed file.
bool parse_job(const std::string& path, const std::string& head, JobValues& v) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    std::string text;
    try {
        text = read_file(path);
    } catch (const std::exception&) {
        return false;
    }
    if (text.compare(0, head.size(), head) != 0) return false;
    const char* p = text.c_str() + head.size();
    char* end = nullptr;
    errno = 0;
    const unsigned long n = std::strtoul(p, &end, 10);
    if (end == p || errno || std::string_view(end).substr(0, 8) != " values\n") return false;
    p = end + 8;
    JobValues out;
    out.reserve(n);
    for (unsigned long i = 0; i < n; ++i) {
        const double x = std::strtod(p, &end);
        if (end == p || *end != '\n') return false;
        out.push_back(x);
        p = end + 1;
    }
    if (*p != '\0') return false;  // trailing bytes: not a file this code wrote
    v = std::move(out);
    return true;
}

}  // namespace

std::vector<JobValues> run_sweep(const std::vector<Job>& jobs, const SweepOptions& opt) {
    // 1. keys: unique and file-name safe; the directory
    std::set<std::string> seen;
    for (const Job& j : jobs) {
        if (!safe_key(j.key))
            throw std::invalid_argument("sweep: job key '" + j.key + "' is not a file name of [A-Za-z0-9_.-]");
        if (!seen.insert(j.key).second) throw std::invalid_argument("sweep: job key '" + j.key + "' appears twice");
        if (!j.run) throw std::invalid_argument("sweep: job '" + j.key + "' has nothing to run");
    }
    if (opt.dir.empty()) throw std::invalid_argument("sweep: no job directory given");
    std::error_code ec;
    std::filesystem::create_directories(opt.dir, ec);  // every rank: harmless when another made it first
    if (!std::filesystem::is_directory(opt.dir))
        throw std::runtime_error("sweep: cannot create the job directory '" + opt.dir + "'" +
                                 (ec ? ": " + ec.message() : std::string()));
    if (opt.fingerprint.find_first_of("\n]") != std::string::npos)
        throw std::invalid_argument("sweep: the fingerprint must be one line without ']'");
    auto path_of = [&](size_t i) { return join_path(opt.dir, jobs[i].key + ".txt"); };
    auto head_of = [&](size_t i) { return job_head(jobs[i].key, opt.fingerprint); };
    auto say = [&](const std::string& m) {
        if (opt.log && is_report_writer()) opt.log(m);
    };
    const int n = static_cast<int>(jobs.size());

    // 2. which jobs are missing: all of them, or (resume) those without a parseable file, decided on rank 0
    std::vector<char> missing(jobs.size(), 1);
    if (opt.resume && rank_of() == 0) {
        JobValues scratch;
        for (size_t i = 0; i < jobs.size(); ++i) missing[i] = !parse_job(path_of(i), head_of(i), scratch);
    }
    broadcast(missing);
    std::vector<int> todo;  // missing jobs in job order; rank r runs todo[r], todo[r + N], ...
    for (int i = 0; i < n; ++i)
        if (missing[i]) todo.push_back(i);
    if (opt.resume) say("resume: " + std::to_string(n - int(todo.size())) + " of " + std::to_string(n) +
                        " jobs already done in " + opt.dir + ", running " + std::to_string(todo.size()));
    std::vector<int> mine;
    for (size_t k = rank_of(); k < todo.size(); k += ranks()) mine.push_back(todo[k]);

    // 3. run this process's share over its threads; each result goes to its file as soon as it exists
    int done = 0;
    std::string failure;
    try {
        run_jobs(static_cast<int>(mine.size()), [&](int k) {
            const int i = mine[k];
            try {
                write_file_atomic(path_of(i), job_text(head_of(i), jobs[i].run()));
            } catch (const std::exception& e) {
                throw std::runtime_error("sweep: job '" + jobs[i].key + "' failed: " + e.what());
            }
            if (opt.log) {
#pragma omp critical(imitate_sweep_log)
                opt.log("job " + std::to_string(++done) + "/" + std::to_string(mine.size()) + " done: " + jobs[i].key +
                        (ranks() > 1 ? " (rank " + std::to_string(rank_of()) + ")" : ""));
            }
        });
    } catch (const std::exception& e) {
        failure = e.what();
    }
    // 4. every rank finished its share (or failed): fail everywhere if any failed, else read back on the writer
    const int any_failed = max_over_ranks(failure.empty() ? 0 : 1);
    barrier();
    if (!failure.empty()) throw std::runtime_error(failure);
    if (any_failed) throw std::runtime_error("sweep: a job failed on another rank (its error is in that rank's output)");
    if (!is_report_writer()) return {};
    std::vector<JobValues> out(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i)
        if (!parse_job(path_of(i), head_of(i), out[i]))
            throw std::runtime_error("sweep: " + path_of(i) + ": missing or unreadable after the sweep");
    return out;
}

bool is_report_writer() { return rank_of() == 0; }

// MPI starts only when a launcher started this process (mpirun/mpiexec, srun with PMI/PMIx): a plain `imitate`
// pays nothing for it.
static bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(v)) return true;
    return false;
}

SweepSession::SweepSession(int& argc, char**& argv) {
#ifdef IMITATE_HAVE_MPI
    if (launched_by_mpi() && !mpi_on()) MPI_Init(&argc, &argv);
#else
    (void)argc;
    (void)argv;
    (void)launched_by_mpi;
#endif
}

SweepSession::~SweepSession() {
#ifdef IMITATE_HAVE_MPI
    if (mpi_on()) MPI_Finalize();
#endif
}

}  // namespace imitate::experiments
