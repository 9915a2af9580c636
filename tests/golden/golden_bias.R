# Section "bias": regtest(), ranktest(), trimfill(), fsn() and, written out by hand
# from the paper (metafor has no such function), Harbord's test.
# sys.source'd by make_golden.R, which provides TIGHT, num() and the packages.
#
# Each case stores the data as computed here (yi, vi, and ni where a predictor
# needs it), rounded to the 15 significant digits that the JSON keeps, so R and
# Python work on exactly the same numbers. A case is
#   list(id, call, kind, args, expected[, printed])
# with kind one of "regtest", "ranktest", "trimfill", "fsn", "harbord"; args hold
# the model (method, test, level) and the arguments of the function; printed is
# capture.output(print(x)) where the layout is checked.

exact15 <- function(x) as.numeric(sprintf("%.15g", x))

prep <- function(d, ni = NULL) {
  out <- data.frame(yi = exact15(d$yi), vi = exact15(d$vi))
  if (!is.null(ni)) out$ni <- ni
  out
}

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
egger <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)
pritz <- escalc("PLO", xi = xi, ni = ni, data = dat.pritz1997)
normand <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
                  n2i = n2i, data = dat.normand1999)
# Rothstein et al. (2005), appendix A, dataset 1: the book's standard errors
raud <- dat.raudenbush1985
raud$vi <- c(0.126, 0.147, 0.167, 0.397, 0.371, 0.103, 0.103, 0.221, 0.165, 0.260,
             0.307, 0.223, 0.289, 0.291, 0.159, 0.167, 0.139, 0.094, 0.174)^2
mcd <- escalc("ZCOR", ri = ri, ni = ni, data = dat.mcdaniel1994)

datasets <- list(
  # log risk ratios, strong heterogeneity (k = 13)
  bcg_rr = prep(bcg, with(dat.bcg, tpos + tneg + cpos + cneg)),
  # log odds ratios, magnesium trials with clear asymmetry (k = 16)
  egger_or = prep(egger, with(dat.egger2001, n1i + n2i)),
  # the same without the ISIS-4 trial (k = 15)
  egger_or_noisis = prep(egger[-16, ], with(dat.egger2001, n1i + n2i)[-16]),
  # log odds ratios given as yi/vi, no sample sizes (k = 37)
  hackshaw_or = prep(dat.hackshaw1998),
  # logit proportions (k = 14)
  pritz_plo = prep(pritz, dat.pritz1997$ni),
  # standardized mean differences, k = 9 < 10
  normand_smd = prep(normand, with(dat.normand1999, n1i + n2i)),
  # standardized mean differences with the book's variances (k = 19)
  raudenbush_smd = prep(raud, with(raud, n1i + n2i)),
  # Fisher z correlations with many tied variances (k = 160)
  mcdaniel_zcor = prep(mcd, dat.mcdaniel1994$ni),
  # Rothstein et al. (2005), Table 8.1: log odds ratios and standard errors (k = 11)
  rothstein_t81 = data.frame(
    yi = c(-0.20, -0.07, 0.04, 0.16, 0.21, 0.27, 0.53, 0.56, 0.80, 1.08, 2.11),
    vi = exact15(c(0.41, 0.18, 0.30, 0.53, 0.51, 0.33, 0.74, 1.08, 0.62, 0.66, 1.55)^2))
)
# structured and unstructured interviews (k = 106 and 39; struct is NA for 15)
datasets$mcdaniel_zcor_s <- datasets$mcdaniel_zcor[which(dat.mcdaniel1994$struct == "s"), ]
datasets$mcdaniel_zcor_u <- datasets$mcdaniel_zcor[which(dat.mcdaniel1994$struct == "u"), ]
# made up: k = 60 distinct effects and variances (normal approximation, no ties)
datasets$made_up_60 <- data.frame(yi = exact15(sin(1:60) / 2 + (1:60) / 100),
                                  vi = exact15(0.01 + ((1:60) * 7 %% 61) / 200))
# made up: k = 8 with tied variances and effects (normal approximation with ties)
datasets$made_up_ties <- data.frame(yi = c(0.1, 0.3, 0.2, 0.5, 0.4, 0.9, 0.2, 0.7),
                                    vi = c(0.01, 0.02, 0.02, 0.03, 0.04, 0.05, 0.05, 0.06))

fit_model <- function(d, method, test = "z", level = 0.95, weights = NULL, tau2 = NULL) {
  a <- list(yi = d$yi, vi = d$vi, method = method, test = test, level = 100 * level,
            control = TIGHT)
  if (!is.null(weights)) a$weights <- weights
  if (!is.null(tau2)) a$tau2 <- tau2
  do.call(rma, a)
}

model_args <- function(d, method, test, level, weights = NULL, tau2 = NULL) {
  a <- list(yi = d$yi, vi = d$vi, method = method, test = test, level = level)
  if (!is.null(weights)) a$weights <- weights
  if (!is.null(tau2)) a$tau2 <- tau2
  a
}

coefs <- function(fit) {
  list(beta = num(fit$beta), se = num(fit$se), zval = num(fit$zval),
       pval = num(fit$pval), ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub),
       tau2 = num(fit$tau2))
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

# --- regtest: every predictor x model ---------------------------------------------

lm_coefs <- function(fit, level) {
  s <- summary(fit)$coefficients
  ci <- confint(fit, level = level)
  list(beta = num(s[, 1]), se = num(s[, 2]), zval = num(s[, 3]), pval = num(s[, 4]),
       ci_lb = num(ci[, 1]), ci_ub = num(ci[, 2]))
}

regtest_case <- function(name, d, method, test, model, predictor, level = 0.95,
                         weights = NULL, tau2 = NULL, printed = FALSE) {
  res <- fit_model(d, method, test, level, weights, tau2)
  a <- list(x = res, model = model, predictor = predictor)
  if (predictor %in% c("ni", "ninv", "sqrtni", "sqrtninv")) a$ni <- d$ni
  r <- do.call(regtest, a)
  expected <- list(zval = num(r$zval), pval = num(r$pval), k = res$k)
  if (!is.null(r$dfs) && !is.na(r$dfs)) expected$dfs <- num(r$dfs)
  if (!is.null(r$est)) {
    expected$est <- num(r$est)
    expected$ci_lb <- num(r$ci.lb)
    expected$ci_ub <- num(r$ci.ub)
  }
  fit <- if (model == "lm") lm_coefs(r$fit, level) else coefs(r$fit)
  args <- list(model = model_args(d, method, test, level, weights, tau2),
               regtest = list(model = model, predictor = predictor))
  if (!is.null(a$ni)) args$regtest$ni <- d$ni
  id <- paste("regtest", name, method, test, model, predictor, sep = "-")
  if (level != 0.95) id <- paste0(id, "-level", 100 * level)
  if (!is.null(weights)) id <- paste0(id, "-weights")
  if (!is.null(tau2)) id <- paste0(id, "-tau2_", tau2)
  out <- list(id = id, kind = "regtest",
              call = sprintf("regtest(rma(yi, vi, data=%s, method=\"%s\", test=\"%s\"), model=\"%s\", predictor=\"%s\")",
                             name, method, test, model, predictor),
              args = args, expected = expected, fit = fit)
  if (printed) out$printed <- capture.output(print(r))
  out
}

for (name in c("bcg_rr", "egger_or", "pritz_plo", "normand_smd", "raudenbush_smd",
               "hackshaw_or", "mcdaniel_zcor")) {
  d <- datasets[[name]]
  preds <- if (is.null(d$ni)) c("sei", "vi") else
    c("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
  for (predictor in preds) {
    add(regtest_case(name, d, "REML", "z", "lm", predictor, printed = predictor == "sei"))
    for (mt in list(c("FE", "z"), c("EE", "z"), c("REML", "z"), c("DL", "knha"),
                    c("PM", "t"))) {
      add(regtest_case(name, d, mt[1], mt[2], "rma", predictor,
                       printed = predictor %in% c("sei", "ni")))
    }
  }
}
# other levels, user weights, tau^2 fixed
d <- datasets$egger_or
add(regtest_case("egger_or", d, "REML", "z", "lm", "sei", level = 0.90, printed = TRUE))
add(regtest_case("egger_or", d, "DL", "knha", "rma", "sei", level = 0.90))
add(regtest_case("egger_or", d, "DL", "z", "rma", "sei", weights = exact15(1 / sqrt(d$vi))))
add(regtest_case("egger_or", d, "REML", "z", "rma", "sei", tau2 = 0.1))
add(regtest_case("egger_or", d, "REML", "z", "rma", "ninv", tau2 = 0.1))

# a meta-regression: the predictor is added to the moderators, no limit estimate
bcg_ablat <- data.frame(yi = exact15(bcg$yi), vi = exact15(bcg$vi), ablat = bcg$ablat)
for (mt in list(c("REML", "z", "rma"), c("DL", "knha", "rma"), c("FE", "z", "lm"))) {
  res <- rma(yi, vi, mods = ~ablat, data = bcg_ablat, method = mt[1], test = mt[2],
             control = TIGHT)
  r <- regtest(res, model = mt[3])
  fit <- if (mt[3] == "lm") lm_coefs(r$fit, 0.95) else coefs(r$fit)
  expected <- list(zval = num(r$zval), pval = num(r$pval), k = res$k)
  if (!is.null(r$dfs) && !is.na(r$dfs)) expected$dfs <- num(r$dfs)
  add(list(id = paste("regtest-bcg_rr_ablat", mt[1], mt[2], mt[3], "sei", sep = "-"),
           kind = "regtest",
           call = sprintf("regtest(rma(yi, vi, mods=~ablat, data=bcg, method=\"%s\", test=\"%s\"), model=\"%s\")",
                          mt[1], mt[2], mt[3]),
           args = list(model = list(yi = bcg_ablat$yi, vi = bcg_ablat$vi,
                                    mods = bcg_ablat$ablat, method = mt[1], test = mt[2],
                                    level = 0.95),
                       regtest = list(model = mt[3], predictor = "sei")),
           expected = expected, fit = fit))
}

# Peters' test (Peters et al. 2006) is model="lm", predictor="ninv": the loop above
# has it for egger_or and bcg_rr; here also without the ISIS-4 trial
add(regtest_case("egger_or_noisis", datasets$egger_or_noisis, "REML", "z", "lm", "ninv",
                 printed = TRUE))

# --- ranktest ------------------------------------------------------------------------

for (name in c("bcg_rr", "egger_or", "egger_or_noisis", "hackshaw_or", "pritz_plo",
               "normand_smd", "raudenbush_smd", "mcdaniel_zcor", "rothstein_t81",
               "made_up_60", "made_up_ties")) {
  d <- datasets[[name]]
  for (exact in list(NULL, FALSE, TRUE)) {
    a <- list(x = d$yi, vi = d$vi)
    if (!is.null(exact)) a$exact <- exact
    r <- suppressWarnings(do.call(ranktest, a))
    args <- list(yi = d$yi, vi = d$vi)
    if (!is.null(exact)) args$exact <- exact
    tag <- if (is.null(exact)) "default" else if (exact) "exact" else "approx"
    out <- list(id = paste("ranktest", name, tag, sep = "-"), kind = "ranktest",
                call = sprintf("ranktest(yi, vi, data=%s%s)", name,
                               if (is.null(exact)) "" else sprintf(", exact=%s", exact)),
                args = args, expected = list(tau = num(r$tau), pval = num(r$pval)))
    if (is.null(exact)) out$printed <- capture.output(print(r))
    add(out)
  }
}

# --- trimfill ------------------------------------------------------------------------

trimfill_case <- function(name, d, method, estimator, side = NULL, test = "z",
                          level = 0.95, weights = NULL, printed = FALSE) {
  res <- fit_model(d, method, test, level, weights)
  a <- list(x = res, estimator = estimator)
  if (!is.null(side)) a$side <- side
  tf <- suppressWarnings(do.call(trimfill, a))
  yi <- tf$yi
  if (tf$k0 > 0 && method %in% c("ML", "REML", "EB", "PM")) {
    # trimfill() fits the trimmed data with metafor's default convergence
    # criterion (1e-5), not with the model's control: refit them tightly and mirror
    # the trimmed studies around that estimate, as trimfill() does
    s <- if (tf$side == "left") 1 else -1
    trimmed <- order(s * d$yi)[(nrow(d) - tf$k0 + 1):nrow(d)]
    fit_t <- fit_model(d[-trimmed, ], method, test, level,
                       if (is.null(weights)) NULL else weights[-trimmed])
    mirrored <- 2 * c(fit_t$beta) - d$yi[trimmed]
    stopifnot(max(abs(mirrored - yi[tf$fill])) < 1e-3)
    yi[tf$fill] <- mirrored
  }
  # metafor 3.8 refits the filled model with test "z" at 95%; metareview keeps
  # the model's test and level, so the filled model is refitted here with them
  # (with user weights, the filled studies carry those of their mirror images)
  final <- fit_model(data.frame(yi = yi, vi = tf$vi), method, test, level,
                     if (is.null(weights)) NULL else tf$weights)
  expected <- c(
    list(k0 = tf$k0, side = tf$side, se_k0 = num(tf$se.k0), p_k0 = num(tf$p.k0),
         yi = num(yi), vi = num(tf$vi), fill = tf$fill, k = final$k,
         QE = num(final$QE), I2 = num(final$I2), se_tau2 = num(final$se.tau2)),
    coefs(final))
  args <- list(model = model_args(d, method, test, level, weights),
               trimfill = list(estimator = estimator))
  if (!is.null(side)) args$trimfill$side <- side
  id <- paste("trimfill", name, method, estimator, if (is.null(side)) "auto" else side,
              sep = "-")
  if (test != "z") id <- paste0(id, "-", test)
  if (level != 0.95) id <- paste0(id, "-level", 100 * level)
  if (!is.null(weights)) id <- paste0(id, "-weights")
  out <- list(id = id, kind = "trimfill",
              call = sprintf("trimfill(rma(yi, vi, data=%s, method=\"%s\"), estimator=\"%s\"%s)",
                             name, method, estimator,
                             if (is.null(side)) "" else sprintf(", side=\"%s\"", side)),
              args = args, expected = expected)
  if (printed) out$printed <- capture.output(print(tf))
  out
}

for (name in c("bcg_rr", "egger_or", "egger_or_noisis", "hackshaw_or", "pritz_plo",
               "normand_smd", "raudenbush_smd", "rothstein_t81", "mcdaniel_zcor_s",
               "mcdaniel_zcor_u")) {
  d <- datasets[[name]]
  for (method in c("EE", "DL", "REML")) {
    for (estimator in c("L0", "R0")) {
      for (side in list(NULL, "left", "right")) {
        add(trimfill_case(name, d, method, estimator, side,
                          printed = is.null(side) && method != "EE"))
      }
    }
  }
}
d <- datasets$egger_or
add(trimfill_case("egger_or", d, "DL", "L0", test = "knha", level = 0.90))
add(trimfill_case("egger_or", d, "PM", "R0", test = "t"))
add(trimfill_case("bcg_rr", datasets$bcg_rr, "FE", "L0"))
add(trimfill_case("egger_or", d, "DL", "L0", weights = exact15(1 / sqrt(d$vi))))

# --- fsn -----------------------------------------------------------------------------

fsn_case <- function(name, d, type, alpha = 0.05, target = NULL, weighted = FALSE,
                     printed = FALSE) {
  a <- list(yi = d$yi, vi = d$vi, type = type, alpha = alpha, weighted = weighted)
  if (!is.null(target)) a$target <- target
  f <- do.call(fsn, a)
  args <- list(yi = d$yi, vi = d$vi, type = type, alpha = alpha, weighted = weighted)
  if (!is.null(target)) args$target <- target
  id <- paste("fsn", name, type, sep = "-")
  if (alpha != 0.05) id <- paste0(id, "-alpha", alpha)
  if (!is.null(target)) id <- paste0(id, "-target", signif(target, 4))
  if (weighted) id <- paste0(id, "-weighted")
  out <- list(id = id, kind = "fsn",
              call = sprintf("fsn(yi, vi, data=%s, type=\"%s\", alpha=%g%s%s)", name, type,
                             alpha, if (is.null(target)) "" else sprintf(", target=%g", target),
                             if (weighted) ", weighted=TRUE" else ""),
              args = args,
              expected = list(fsnum = f$fsnum, pval = num(f$pval), meanes = num(f$meanes),
                              target = num(f$target)))
  if (printed) out$printed <- capture.output(print(f))
  out
}

for (name in c("bcg_rr", "egger_or", "egger_or_noisis", "hackshaw_or", "pritz_plo",
               "normand_smd", "raudenbush_smd", "mcdaniel_zcor", "rothstein_t81")) {
  d <- datasets[[name]]
  for (type in c("Rosenthal", "Orwin", "Rosenberg")) {
    add(fsn_case(name, d, type, printed = name == "egger_or"))
    add(fsn_case(name, d, type, alpha = 0.01))
  }
  add(fsn_case(name, d, "Orwin", weighted = TRUE))
  add(fsn_case(name, d, "Orwin", target = 0.05))
  add(fsn_case(name, d, "Orwin", target = -0.05, weighted = TRUE))
}
add(fsn_case("hackshaw_or", datasets$hackshaw_or, "Orwin", target = log(1.05),
             weighted = TRUE))

# --- Harbord's test, written out from Harbord, Egger & Sterne (2006, section 2) -------
# Z = a - n1 m1 / n (observed minus expected events in group 1) and its variance
# V = n1 n2 m1 m2 / (n^2 (n - 1)); ordinary least squares of Z / sqrt(V) on sqrt(V);
# the intercept is tested (t on k - 2 df), the slope is the limit estimate.

harbord_case <- function(name, a, b, c, d, level = 0.95) {
  a <- as.numeric(a); b <- as.numeric(b); c <- as.numeric(c); d <- as.numeric(d)
  n1 <- a + b; n2 <- c + d; m1 <- a + c; m2 <- b + d; n <- n1 + n2
  Z <- a - n1 * m1 / n
  V <- n1 * n2 * m1 * m2 / (n^2 * (n - 1))
  keep <- !is.na(V) & V > 0
  y <- Z[keep] / sqrt(V[keep]); x <- sqrt(V[keep])
  fit <- lm(y ~ x)
  s <- summary(fit)$coefficients
  ci <- confint(fit, level = level)
  # the same regression as Egger's test on the Peto log odds ratios Z / V
  peto <- regtest(Z[keep] / V[keep], 1 / V[keep], model = "lm")
  stopifnot(abs(peto$zval - s[1, 3]) < 1e-10 * abs(s[1, 3]))
  list(id = paste("harbord", name, sep = "-"), kind = "harbord",
       call = sprintf("lm(Z/sqrt(V) ~ sqrt(V)) on %s", name),
       args = list(ai = a, bi = b, ci = c, di = d, level = level),
       expected = list(zval = num(s[1, 3]), pval = num(s[1, 4]),
                       dfs = num(fit$df.residual), est = num(s[2, 1]),
                       ci_lb = num(ci[2, 1]), ci_ub = num(ci[2, 2]), k = sum(keep),
                       bias = num(s[1, 1]), bias_se = num(s[1, 2])))
}

with(dat.egger2001, add(harbord_case("egger2001", ai, n1i - ai, ci, n2i - ci)))
with(dat.egger2001[-16, ],
     add(harbord_case("egger2001_noisis", ai, n1i - ai, ci, n2i - ci)))
with(dat.bcg, add(harbord_case("bcg", tpos, tneg, cpos, cneg)))
with(dat.bcg, add(harbord_case("bcg-level90", tpos, tneg, cpos, cneg, level = 0.90)))
# two tables without events in either group (left out), k = 7 < 10
with(dat.collins1985b, add(harbord_case("collins1985b_ped", ped.xti, fup.nti - ped.xti,
                                        ped.xci, fup.nci - ped.xci)))
with(subset(dat.yusuf1985, table == "6"),
     add(harbord_case("yusuf1985_6", ai, n1i - ai, ci, n2i - ci)))
