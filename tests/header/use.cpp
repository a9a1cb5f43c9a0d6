// use.cpp - dlnet.h from C++11 and C++17 (-Wall -Wextra -Wpedantic -Werror).
// It is linked against the shared library and run, so that a missing
// extern "C" guard (C++ name mangling) fails at link time, not only in a
// user's build. It also shows the C++11/17 way to set up a report struct
// (docs/conventions.md §9): designated initializers need C++20.
#include "dlnet.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "header/use.cpp: %s\n", what);
        ++failures;
    }
}

// Any report struct, zeroed and with struct_size set, in one expression.
template <class Report> Report make_report()
{
    Report r{}; // value-initialization: every field zero
    r.struct_size = sizeof r;
    return r;
}

} // namespace

int main()
{
    expect(dln_version_major() == DLN_VERSION_MAJOR, "dln_version_major");
    expect(std::strcmp(dln_version_string(), DLN_VERSION_STRING) == 0, "dln_version_string");
    expect(std::strlen(dln_strerror(DLN_E_LD)) > 0, "dln_strerror");

    // f(W) = 1/2 (w2 w1 - 3)^2 on a scalar two-layer net at w = (1, 2):
    // value 1/2, gradient (w2 (p - 3), w1 (p - 3)) = (-2, -1).
    const size_t widths[3] = {1, 1, 1};
    dln_net *net = nullptr;
    dln_status st = dln_net_create(&net, 2, widths);
    expect(st == DLN_OK && net != nullptr, "dln_net_create");
    const double theta[2] = {1.0, 2.0};
    expect(dln_net_set_params(net, theta) == DLN_OK, "dln_net_set_params");

    const double phi = 3.0;
    dln_loss *loss = nullptr;
    expect(dln_loss_create_target(&loss, 1, 1, &phi, 1) == DLN_OK, "dln_loss_create_target");
    expect(dln_loss_get_kind(loss) == DLN_LOSS_TARGET, "dln_loss_get_kind");

    std::vector<double> grad(dln_net_num_params(net));
    double value = 0.0;
    expect(dln_loss_grad(loss, net, &value, grad.data()) == DLN_OK, "dln_loss_grad");
    expect(std::fabs(value - 0.5) < 1e-15, "loss value");
    expect(std::fabs(grad[0] + 2.0) < 1e-15 && std::fabs(grad[1] + 1.0) < 1e-15, "gradient");

    dln_layout layout = DLN_ROW_MAJOR;
    double w = 0.0;
    expect(dln_net_get_layer(net, 2, &w, 1, layout) == DLN_OK && w == 2.0, "dln_net_get_layer");
    expect(dln_net_set_layer(net, 3, &w, 1, layout) == DLN_E_DIM, "layer index check");

    // Report structs before C++20: value-initialize with {}, then set
    // struct_size. The Hessian at w = (1, 2) is [[w2^2, 2 w1 w2 - 3],
    // [2 w1 w2 - 3, w1^2]] = [[4, 1], [1, 1]]: eigenvalues (5 +- sqrt(13))/2.
    dln_eig_report report{};
    report.struct_size = sizeof report;
    double eval = 0.0;
    expect(dln_loss_hessian_eigs(loss, net, DLN_EIG_LARGEST, 1, 0.0, 0, 7, &eval, nullptr, 1,
                                 &report) == DLN_OK,
           "dln_loss_hessian_eigs");
    expect(std::fabs(eval - (5.0 + std::sqrt(13.0)) / 2.0) < 1e-14, "largest Hessian eigenvalue");
    expect(report.converged == 1 && report.dense == 1 && report.hvps == 2, "dln_eig_report");

    // The first-version sizes are constant expressions in C++ too.
    static_assert(DLN_EIG_REPORT_V1_SIZE <= sizeof(dln_eig_report), "DLN_EIG_REPORT_V1_SIZE");
    static_assert(DLN_CLASS_REPORT_V1_SIZE <= sizeof(dln_class_report), "DLN_CLASS_REPORT_V1_SIZE");

    auto smallest = make_report<dln_eig_report>();
    expect(smallest.struct_size == sizeof(dln_eig_report) && smallest.hvps == 0, "make_report");
    expect(dln_loss_hessian_eigs(loss, net, DLN_EIG_SMALLEST, 1, 0.0, 0, 7, &eval, nullptr, 1,
                                 &smallest) == DLN_OK,
           "dln_loss_hessian_eigs (smallest)");
    expect(std::fabs(eval - (5.0 - std::sqrt(13.0)) / 2.0) < 1e-14, "smallest Hessian eigenvalue");
    expect(smallest.converged == 1 && smallest.hvps == 2, "dln_eig_report (smallest)");

    dln_loss_free(loss);
    dln_net_free(net);
    if (failures == 0) std::printf("header/use.cpp: dlnet.h works from C++ (__cplusplus %ld)\n",
                                   static_cast<long>(__cplusplus));
    return failures == 0 ? 0 : 1;
}
