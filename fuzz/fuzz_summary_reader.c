/* fuzz_summary_reader.c - libFuzzer harness for the summary reader
 * (dln_loss_decode, the parser behind dln_loss_load; docs/summary_format.md).
 *
 * The input is handed to the reader as a block of exactly its size, so
 * ASan reports any read past it. Whatever the bytes, the reader returns a
 * status (never crashes), writes a NUL-terminated message on failure and
 * leaves *out alone; on success the loss re-encodes to the same bytes
 * (the format has one encoding per summary) and evaluates to a finite value.
 * Each input is tried twice: as it is, and with its last four bytes replaced
 * by the valid CRC-32 of the others, so that mutations also reach the checks
 * behind the checksum. */
#include "dlnet.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void try_decode(const uint8_t *data, size_t size)
{
    dln_loss *sentinel = (dln_loss *)&sentinel, *loss = sentinel;
    char msg[64];
    memset(msg, 'x', sizeof msg);
    dln_status st = dln_loss_decode(&loss, data, size, msg, sizeof msg);
    if (st != DLN_OK) {
        if (loss != sentinel || memchr(msg, '\0', sizeof msg) == NULL || msg[0] == '\0') abort();
        return;
    }
    if (dln_loss_encoded_size(loss) != size) abort();
    uint8_t *again = malloc(size);
    if (!again || dln_loss_encode(loss, again, size) != DLN_OK || memcmp(again, data, size) != 0)
        abort();
    free(again);
    size_t d[2] = {dln_loss_input_dim(loss), dln_loss_output_dim(loss)};
    dln_net *net = NULL;
    double f;
    if (d[0] <= 64 && d[1] <= 64 && dln_net_create(&net, 1, d) == DLN_OK) {
        if (dln_net_init_identity(net, 1.0) == DLN_OK && dln_loss_value(loss, net, &f) == DLN_OK &&
            !(f >= 0))
            abort();
        dln_net_free(net);
    }
    dln_loss_free(loss);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_decode(data, size);
    if (size < 4 || size - 4 > UINT32_MAX) return 0;
    uint8_t *sealed = malloc(size);
    if (!sealed) return 0;
    memcpy(sealed, data, size);
    uLong crc = crc32(0L, sealed, (uInt)(size - 4));
    for (int i = 0; i < 4; i++) sealed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    try_decode(sealed, size);
    free(sealed);
    return 0;
}
