/* fuzz_summary.c - libFuzzer harness of the summary reader: the input bytes
 * are given to dln_loss_decode(). Invariants (a violation aborts): a
 * rejected input gets DLN_E_FORMAT, DLN_E_DIM, DLN_E_OVERFLOW or DLN_E_NOMEM
 * and a non-empty message, and *out stays untouched; an accepted one gives a
 * data loss whose encoding decodes again to the same bytes and whose value
 * at a zero net is finite. fuzz/README.md says how to run it. */
#include "dlnet.h"

#include <math.h>
#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok, const char *what)
{
    if (ok) return;
    char text[256]; /* through the sanitizers' stream: fd 2 is closed by -close_fd_mask=3 */
    snprintf(text, sizeof text, "fuzz_summary: invariant violated: %s", what);
    __sanitizer_report_error_summary(text);
    abort();
}

static void accepted(dln_loss *loss)
{
    size_t d0 = dln_loss_input_dim(loss), dL = dln_loss_output_dim(loss);
    check(dln_loss_get_kind(loss) == DLN_LOSS_DATA && d0 > 0 && dL > 0, "shape of a decoded loss");
    size_t size = dln_loss_encoded_size(loss);
    unsigned char *a = malloc(size ? size : 1), *b = malloc(size ? size : 1);
    dln_loss *again = NULL;
    check(a && b && size > 0 && dln_loss_encode(loss, a, size) == DLN_OK, "re-encoding");
    check(dln_loss_decode(&again, a, size, NULL, 0) == DLN_OK, "decoding a re-encoding");
    check(dln_loss_encode(again, b, size) == DLN_OK && memcmp(a, b, size) == 0, "round trip");
    if (d0 <= 64 && dL <= 64) { /* the value at W = 0 (one layer): ||C||^2/2 + r0/2 */
        size_t w[2] = {d0, dL};
        dln_net *net = NULL;
        double f = 0.0;
        if (dln_net_create(&net, 1, w) == DLN_OK) {
            dln_status st = dln_loss_value(loss, net, &f);
            check(st != DLN_OK || isfinite(f), "finite value of a decoded loss");
            dln_net_free(net);
        }
    }
    dln_loss_free(again);
    free(a), free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dln_loss *loss = (dln_loss *)&size; /* a marker: unchanged on failure */
    char msg[128] = "";
    dln_status st = dln_loss_decode(&loss, data, size, msg, sizeof msg);
    if (st == DLN_OK) {
        accepted(loss);
        dln_loss_free(loss);
        return 0;
    }
    check(loss == (dln_loss *)&size, "*out written on failure");
    check(st == DLN_E_FORMAT || st == DLN_E_DIM || st == DLN_E_OVERFLOW || st == DLN_E_NOMEM,
          "status of a rejected input");
    check(msg[0] != '\0', "message of a rejected input");
    return 0;
}
