/* app.c - an outside program that knows libdlnet only through the installed
 * header and pkg-config. It evaluates the worked example of
 * docs/derivatives.md (exact values) and checks that the library it runs
 * against is the one its header describes. Exit status 0 on success. */
#include <dlnet.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    /* X = [[1,0,1],[0,1,1]], Y = [[1,2,0]], widths (2,2,3,1); layers row-major */
    const size_t widths[4] = {2, 2, 3, 1};
    const double W1[] = {1, 0, 1, 1}, W2[] = {1, 0, 0, 1, 1, -1}, W3[] = {1, 1, 0};
    const double X[] = {1, 0, 0, 1, 1, 1}, Y[] = {1, 2, 0};
    const double grad_expected[13] = {4, 4, 2, 2, 4, 4, 0, 6, 6, 0, 4, 6, -2};
    dln_net *net = NULL;
    dln_loss *loss = NULL;
    double value = 0.0, grad[13], err = 0.0;
    int ok = dln_net_create(&net, 3, widths) == DLN_OK &&
             dln_net_set_layer(net, 1, W1, 2, DLN_ROW_MAJOR) == DLN_OK &&
             dln_net_set_layer(net, 2, W2, 2, DLN_ROW_MAJOR) == DLN_OK &&
             dln_net_set_layer(net, 3, W3, 3, DLN_ROW_MAJOR) == DLN_OK &&
             dln_loss_create_data(&loss, 2, 1, 3, X, 2, Y, 1) == DLN_OK &&
             dln_loss_grad(loss, net, &value, grad) == DLN_OK;
    for (int i = 0; ok && i < 13; i++) err = fmax(err, fabs(grad[i] - grad_expected[i]));
    ok = ok && fabs(value - 5.5) < 1e-13 && err < 1e-13;
    ok = ok && strcmp(dln_version_string(), DLN_VERSION_STRING) == 0 &&
         dln_version_major() == DLN_VERSION_MAJOR && dln_version_minor() == DLN_VERSION_MINOR;
    printf("installed app: libdlnet %s, loss %.15g (expected 5.5), max gradient error %.1e: %s\n",
           dln_version_string(), value, err, ok ? "ok" : "FAILED");
    dln_loss_free(loss);
    dln_net_free(net);
    return ok ? 0 : 1;
}
