# Section "rma": rma.uni(), every tau^2 estimator and test; at the end a few
# meta-regressions (args hold the design matrix X), which the tests fit with the
# engine directly because rma() takes no mods= yet.
# sys.source'd by make_golden.R, which provides TIGHT, num() and the packages.
#
# Each case stores yi and vi as computed here by escalc(), so the rma tests do
# not depend on metareview's escalc. yi, vi and weights are rounded to the 15
# significant digits that the JSON keeps before fitting, so R and Python fit
# exactly the same numbers.
#
# A case holds: args (the rma() arguments, level as a fraction), expected (fields
# of the fitted model), predict (predict() with the default interval), and where
# they apply predict_higgins (t(k-2) interval, computed by hand below), confint
# (Q-profile intervals for tau^2, tau, I^2, H^2: estimate, ci.lb, ci.ub),
# fitstats (ll, deviance, AIC, BIC, AICc as fitstats() reports them).

exact15 <- function(x) as.numeric(sprintf("%.15g", x))

prep <- function(d) {
  d <- d[is.finite(d$yi) & is.finite(d$vi), ]
  data.frame(yi = exact15(d$yi), vi = exact15(d$vi))
}

bcg_rr <- prep(escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))
datasets <- list(
  # log risk ratios, strong heterogeneity (k = 13)
  bcg_rr = bcg_rr,
  # log odds ratios of the same trials
  bcg_or = prep(escalc("OR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)),
  # standardized and raw mean differences (k = 9)
  normand_smd = prep(escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i,
                            sd2i = sd2i, n2i = n2i, data = dat.normand1999)),
  normand_md = prep(escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i,
                           sd2i = sd2i, n2i = n2i, data = dat.normand1999)),
  # Fisher z correlations (k = 16)
  molloy_zcor = prep(escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)),
  # logit proportions (k = 14)
  pritz_plo = prep(escalc("PLO", xi = xi, ni = ni, data = dat.pritz1997)),
  # log odds ratios given as yi/vi (k = 37)
  hackshaw_or = prep(dat.hackshaw1998),
  # log odds ratios with zero cells (add 1/2), one study with NAs dropped;
  # Q < k - 1, so tau^2 is truncated at 0 (k = 21)
  yusuf6_or = prep(escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i,
                          data = subset(dat.yusuf1985, table == "6"))),
  # standardized mean differences given as yi/vi (k = 19)
  raudenbush_smd = prep(dat.raudenbush1985),
  # log risk ratios, Q < k - 1 (k = 4)
  cannon_rr = prep(escalc("RR", ai = ep1t, n1i = nt, ci = ep1c, n2i = nc,
                          data = dat.cannon2006)),
  # the smallest analyses: k = 2 and k = 3, with and without heterogeneity
  bcg_rr_k2 = bcg_rr[1:2, ],
  bcg_rr_k3 = bcg_rr[1:3, ],
  cannon_rr_k2 = prep(escalc("RR", ai = ep1t, n1i = nt, ci = ep1c, n2i = nc,
                             data = dat.cannon2006))[1:2, ],
  # made-up, very homogeneous results: Q is below the lower 2.5% point of its
  # chi-square distribution, so both Q-profile limits for tau^2 are 0
  homogeneous = data.frame(yi = c(0.10, 0.11, 0.10, 0.105, 0.102),
                           vi = c(0.010, 0.020, 0.015, 0.010, 0.012))
)

METHODS <- c("EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "GENQ")
TESTS <- c("z", "t", "knha")

# weights of the generalized Q statistic (GENQ) and of the user-weights cases:
# neither 1 nor 1/vi, so they are really different from both HE and DL
genq_weights <- function(d) exact15(1 / sqrt(d$vi))

make_case <- function(name, d, method, test = "z", level = 0.95, tau2 = NULL,
                      weights = NULL) {
  if (method == "GENQ" && is.null(weights)) weights <- genq_weights(d)
  fit_args <- list(yi = d$yi, vi = d$vi, method = method, test = test,
                   level = 100 * level, control = TIGHT)
  if (!is.null(tau2)) fit_args$tau2 <- tau2
  if (!is.null(weights)) fit_args$weights <- weights
  res <- do.call(rma, fit_args)

  args <- list(yi = d$yi, vi = d$vi, method = method, test = test, level = level)
  if (!is.null(tau2)) args$tau2 <- tau2
  if (!is.null(weights)) args$weights <- weights
  call <- sprintf("rma(yi, vi, data=%s, method=\"%s\", test=\"%s\", level=%g%s%s)",
                  name, method, test, 100 * level,
                  if (is.null(tau2)) "" else sprintf(", tau2=%g", tau2),
                  if (is.null(weights)) "" else ", weights=1/sqrt(vi)")
  id <- paste0(name, "-", method, "-", test,
               if (level != 0.95) sprintf("-level%g", 100 * level) else "",
               if (is.null(tau2)) "" else sprintf("-tau2_%g", tau2),
               if (!is.null(weights) && method != "GENQ") "-weights" else "")

  expected <- list(
    beta = num(res$beta), se = num(res$se), zval = num(res$zval),
    pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
    tau2 = num(res$tau2), se_tau2 = num(res$se.tau2),
    I2 = num(res$I2), H2 = num(res$H2), QE = num(res$QE), QEp = num(res$QEp),
    k = res$k, QM = num(res$QM), QMp = num(res$QMp),
    weights = num(weights(res))
  )
  if (test != "z") expected$dfs <- num(res$ddf)

  pr <- predict(res)
  random <- !(method %in% c("EE", "FE"))
  pred <- list(pred = num(pr$pred), ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub),
               pi_lb = num(if (random) pr$pi.lb else pr$ci.lb),
               pi_ub = num(if (random) pr$pi.ub else pr$ci.ub))
  fs <- fitstats(res)
  out <- list(id = id, call = call, args = args, expected = expected, predict = pred,
              fitstats = list(ll = num(fs[1]), deviance = num(fs[2]), AIC = num(fs[3]),
                              BIC = num(fs[4]), AICc = num(fs[5])))
  if (random && res$k > 2) {
    # Higgins, Thompson & Spiegelhalter (2009, eq. 12): t quantile with k - 2 df
    crit <- qt(0.5 + level / 2, df = res$k - 2)
    half <- crit * sqrt(res$tau2 + res$se^2)
    out$predict_higgins <- list(pred = num(res$beta), pi_lb = num(res$beta - half),
                                pi_ub = num(res$beta + half))
  }
  if (random && is.null(tau2) && method != "GENQ") {
    # GENQ models get the generalized Q-statistic interval in metafor (needs
    # CompQuadForm); all other random-effects fits get the Q-profile interval
    # metafor searches [0, max(100, 10 tau2)] for the limits and reports the end of
    # that interval (flagged ">") when the limit lies beyond it; search further so
    # the golden values are the true Q-profile limits ("<" marks a limit truncated
    # at 0, which is what we report too)
    ci <- confint(res, control = c(TIGHT, tau2.max = 1e6))
    stopifnot(ci$lb.sign != ">", ci$ub.sign != ">")
    ci <- ci$random
    out$confint <- list(tau2 = num(ci[1, ]), tau = num(ci[2, ]), I2 = num(ci[3, ]),
                        H2 = num(ci[4, ]))
  }
  out
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

# every method x every test on every dataset
for (name in names(datasets)) {
  for (method in METHODS) {
    for (test in TESTS) {
      add(make_case(name, datasets[[name]], method, test))
    }
  }
}

# other confidence levels
for (name in c("bcg_rr", "normand_smd", "cannon_rr")) {
  for (level in c(0.90, 0.99)) {
    for (method in c("FE", "DL", "REML", "PM", "SJ")) {
      for (test in TESTS) add(make_case(name, datasets[[name]], method, test, level))
    }
  }
}

# tau^2 fixed by the user (the se of tau^2 is that of the method, at the value)
for (name in c("bcg_rr", "molloy_zcor", "bcg_rr_k2")) {
  for (t2 in c(0, 0.1)) {
    for (method in c("REML", "ML", "DL", "HE", "HS", "HSk", "SJ", "EB", "PM")) {
      for (test in TESTS) add(make_case(name, datasets[[name]], method, test, tau2 = t2))
    }
  }
}

# user weights for the estimate of mu (tau^2 estimated as usual)
for (name in c("bcg_rr", "pritz_plo", "yusuf6_or", "bcg_rr_k3")) {
  d <- datasets[[name]]
  for (method in c("EE", "FE", "DL", "HS", "SJ", "REML", "ML", "PM")) {
    for (test in TESTS) add(make_case(name, d, method, test, weights = genq_weights(d)))
  }
  for (test in TESTS) {
    add(make_case(name, d, "REML", test, tau2 = 0.05, weights = genq_weights(d)))
  }
}

# meta-regression (one moderator): rma() has no mods= yet, so the tests call the
# engine (fit_models) with the design matrix X (intercept and absolute latitude)
bcg_x <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg_x <- data.frame(yi = exact15(bcg_x$yi), vi = exact15(bcg_x$vi), ablat = bcg_x$ablat)
for (method in METHODS) {
  for (test in TESTS) {
    w <- if (method == "GENQ") genq_weights(bcg_x) else NULL
    fit_args <- list(yi = bcg_x$yi, vi = bcg_x$vi, mods = ~ablat, data = bcg_x,
                     method = method, test = test, control = TIGHT)
    if (!is.null(w)) fit_args$weights <- w
    res <- do.call(rma, fit_args)
    args <- list(yi = bcg_x$yi, vi = bcg_x$vi, X = unname(model.matrix(~ablat, bcg_x)),
                 method = method, test = test, level = 0.95)
    if (!is.null(w)) args$weights <- w
    expected <- list(
      beta = num(res$beta), se = num(res$se), zval = num(res$zval),
      pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
      tau2 = num(res$tau2), se_tau2 = num(res$se.tau2), I2 = num(res$I2),
      H2 = num(res$H2), QE = num(res$QE), QEp = num(res$QEp), k = res$k,
      QM = num(res$QM), QMp = num(res$QMp),
      ll_ml = num(res$fit.stats["ll", "ML"]), ll_reml = num(res$fit.stats["ll", "REML"])
    )
    add(list(id = paste0("bcg_rr_ablat-", method, "-", test),
             call = sprintf("rma(yi, vi, mods=~ablat, data=bcg, method=\"%s\", test=\"%s\")",
                            method, test),
             args = args, expected = expected))
  }
}

# without an intercept (one mean per allocation method): QM tests all coefficients
for (method in c("FE", "DL", "REML")) {
  for (test in TESTS) {
    res <- rma(bcg_x$yi, bcg_x$vi, mods = ~ factor(dat.bcg$alloc) - 1, method = method,
               test = test, control = TIGHT)
    X <- unname(model.matrix(~ factor(dat.bcg$alloc) - 1))
    attributes(X) <- list(dim = dim(X))
    add(list(id = paste0("bcg_rr_alloc_nointercept-", method, "-", test),
             call = sprintf("rma(yi, vi, mods=~factor(alloc)-1, data=bcg, method=\"%s\", test=\"%s\")",
                            method, test),
             args = list(yi = bcg_x$yi, vi = bcg_x$vi, X = X, method = method,
                         test = test, level = 0.95),
             expected = list(beta = num(res$beta), se = num(res$se), pval = num(res$pval),
                             ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
                             tau2 = num(res$tau2), QE = num(res$QE), QM = num(res$QM),
                             QMp = num(res$QMp), I2 = num(res$I2), H2 = num(res$H2))))
  }
}
