/* check_main.c - runs every suite. Each tests/check_<name>.c defines
 * `Suite *suite_<name>(void)`; the Makefile lists them in suites.h. */
#include "testutil.h"

#include <stdlib.h>

int main(void)
{
    SRunner *sr = srunner_create(NULL);
#define DLN_SUITE(name) srunner_add_suite(sr, suite_##name());
#include "suites.h"
#undef DLN_SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
