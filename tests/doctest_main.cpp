// The main() of tests/doctests (every doctest file in one program, tests/meson.build) and of test_mujoco.
// Called through a link named test_<name> (build/tests/test_heads -tc="..."), it runs only the cases of
// tests/test_<name>.cpp, as if that file were its own program; called as doctests, every case. A run whose
// filters leave no case fails instead of passing with nothing run.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

// Counts the cases that passed the filters (a listener: the chosen reporter still prints as usual).
unsigned g_selected = 0;
struct CountSelected : doctest::IReporter {
    explicit CountSelected(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& s) override { g_selected = s.numTestCasesPassingFilters; }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("count_selected", 1, CountSelected);

}  // namespace

int main(int argc, char** argv) {
    doctest::Context ctx;
    const char* slash = std::strrchr(argv[0], '/');
    const std::string name = slash ? slash + 1 : argv[0];
    std::string filter;
    if (name.rfind("test_", 0) == 0 && name != "test_mujoco") {
        filter = "*/" + name + ".cpp";
        ctx.setOption("source-file", filter.c_str());
    }
    ctx.applyCommandLine(argc, argv);
    const int rc = ctx.run();
    if (ctx.shouldExit()) return rc;
    if (g_selected == 0) {
        std::fprintf(stderr, "%s: no test case passed the filters\n", name.c_str());
        return 1;
    }
    return rc;
}
