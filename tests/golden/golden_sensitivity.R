# Section "sensitivity": leave1out(), influence(), cumul() and baujat() of rma.uni
# models. sys.source'd by make_golden.R, which provides TIGHT, num() and the packages.
#
# yi, vi and weights are rounded to the 15 significant digits that the JSON keeps
# before fitting, so R and Python fit exactly the same numbers.
#
# A case holds: args (the rma() arguments, level as a fraction, slab as strings;
# X, the design matrix, for meta-regressions, which the tests fit through the
# engine while rma() takes no mods=), order (the variable cumul() orders by, or
# null for the input order) and expected, with one entry per function:
#   leave1out: estimate se zval pval ci_lb ci_ub QE QEp [tau2] I2 H2 (no tau2 for
#              EE/FE models, as metafor; zval holds metafor's tval under t/knha)
#   influence: rstudent dffits cook_d cov_r tau2_del QE_del hat weight inf (logical)
#              and dfbs (one vector per coefficient, in order)
#   cumul:     as leave1out, plus slab (labels in cumulative order)
#   baujat:    x y
# leave1out and cumul are missing for meta-regressions (metafor refuses them).

exact15 <- function(x) as.numeric(sprintf("%.15g", x))

prep <- function(d, slab) {
  keep <- is.finite(d$yi) & is.finite(d$vi)
  out <- data.frame(yi = exact15(d$yi), vi = exact15(d$vi),
                    slab = as.character(slab), stringsAsFactors = FALSE)
  out$order_by <- NA_real_
  out[keep, ]
}

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg_rr <- prep(bcg, paste(bcg$author, bcg$year))
bcg_rr$order_by <- bcg$year
bcg_rr$ablat <- bcg$ablat
normand <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
                  n2i = n2i, data = dat.normand1999)
hack <- dat.hackshaw1998
hackshaw_or <- prep(hack, paste(hack$author, hack$year))
hackshaw_or$order_by <- hack$year
egger <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)
egger_or <- prep(egger, paste(egger$study, egger$year))
egger_or$order_by <- egger$year

datasets <- list(
  # log risk ratios, strong heterogeneity (k = 13); cumul() by year
  bcg_rr = bcg_rr,
  # standardized mean differences (k = 9)
  normand_smd = prep(normand, normand$source),
  # log odds ratios (k = 37); cumul() by year
  hackshaw_or = hackshaw_or,
  # magnesium trials: ISIS-4 is the known outlier (k = 16); cumul() by year
  egger_or = egger_or,
  # the smallest analyses: leave-one-out fits of one and two studies
  bcg_rr_k2 = bcg_rr[1:2, ],
  bcg_rr_k3 = bcg_rr[1:3, ]
)

l1o_fields <- function(x, fe) {
  stat <- if (!is.null(x$zval)) x$zval else x$tval
  pval <- if (!is.null(x$pval)) x$pval else x$pvals  # cumul() calls it pvals
  out <- list(estimate = num(x$estimate), se = num(x$se), zval = num(stat),
              pval = num(pval), ci_lb = num(x$ci.lb), ci_ub = num(x$ci.ub),
              QE = num(x$Q), QEp = num(x$Qp))
  if (!fe) out$tau2 <- num(x$tau2)
  out$I2 <- num(x$I2)
  out$H2 <- num(x$H2)
  out
}

infl_fields <- function(res) {
  inf <- influence(res)
  out <- list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
              cook_d = num(inf$inf$cook.d), cov_r = num(inf$inf$cov.r),
              tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
              hat = num(inf$inf$hat), weight = num(inf$inf$weight),
              inf = inf$inf$inf == "*")
  out$dfbs <- lapply(unname(as.list(as.data.frame(inf$dfbs))), num)
  out
}

baujat_fields <- function(res) {
  pdf(NULL)
  b <- baujat(res)
  dev.off()
  list(x = num(b$x), y = num(b$y))
}

make_case <- function(name, d, method, test = "z", tau2 = NULL, weights = NULL,
                      order = FALSE) {
  fit_args <- list(yi = d$yi, vi = d$vi, slab = d$slab, method = method,
                   test = test, control = TIGHT)
  if (!is.null(tau2)) fit_args$tau2 <- tau2
  if (!is.null(weights)) fit_args$weights <- weights
  res <- do.call(rma, fit_args)
  fe <- method %in% c("EE", "FE")

  args <- list(yi = d$yi, vi = d$vi, slab = d$slab, method = method, test = test,
               level = 0.95)
  if (!is.null(tau2)) args$tau2 <- tau2
  if (!is.null(weights)) args$weights <- weights
  id <- paste0(name, "-", method, "-", test,
               if (is.null(tau2)) "" else sprintf("-tau2_%g", tau2),
               if (is.null(weights)) "" else "-weights",
               if (order) "-ordered" else "")
  call <- sprintf("rma(yi, vi, data=%s, method=\"%s\", test=\"%s\"%s%s)", name, method,
                  test, if (is.null(tau2)) "" else sprintf(", tau2=%g", tau2),
                  if (is.null(weights)) "" else ", weights=1/sqrt(vi)")

  cm <- if (order) cumul(res, order = d$order_by) else cumul(res)
  cumul_out <- l1o_fields(cm, fe)
  cumul_out$slab <- as.character(cm$slab)
  expected <- list(leave1out = l1o_fields(leave1out(res), fe),
                   influence = infl_fields(res),
                   cumul = cumul_out,
                   baujat = baujat_fields(res))
  list(id = id, call = call, args = args,
       order = if (order) num(d$order_by) else NULL, expected = expected)
}

# metafor warns that knha is not meant for FE models (rma() notes it instead)
quiet <- function(expr) withCallingHandlers(expr, warning = function(w) {
  if (grepl("Knapp & Hartung", conditionMessage(w))) invokeRestart("muffleWarning")
})
cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- quiet(x)  # x is evaluated here

for (name in names(datasets)) {
  for (method in c("REML", "DL", "FE", "ML")) {
    add(make_case(name, datasets[[name]], method, "z"))
  }
  for (method in c("REML", "DL", "FE")) add(make_case(name, datasets[[name]], method, "knha"))
  add(make_case(name, datasets[[name]], "REML", "t"))
}
# cumulative meta-analyses in order of publication year
for (name in c("bcg_rr", "hackshaw_or", "egger_or")) {
  for (method in c("REML", "DL", "FE")) {
    for (test in c("z", "knha")) add(make_case(name, datasets[[name]], method, test, order = TRUE))
  }
}
# other estimators, fixed tau^2 and user weights
for (method in c("EE", "PM", "EB", "HE", "HS", "SJ")) add(make_case("bcg_rr", bcg_rr, method))
for (test in c("z", "knha")) {
  add(make_case("bcg_rr", bcg_rr, "REML", test, tau2 = 0.1))
  add(make_case("egger_or", egger_or, "DL", test, tau2 = 0))
  add(make_case("bcg_rr", bcg_rr, "REML", test, weights = exact15(1 / sqrt(bcg_rr$vi))))
  add(make_case("bcg_rr", bcg_rr, "FE", test, weights = exact15(1 / sqrt(bcg_rr$vi))))
  add(make_case("bcg_rr_k3", datasets$bcg_rr_k3, "DL", test,
                weights = exact15(1 / sqrt(datasets$bcg_rr_k3$vi))))
}

# meta-regression on absolute latitude: influence() and baujat() only; a second
# design adds a dummy for the first trial alone, whose deletion leaves X rank
# deficient (metafor reports NA for that trial, hat = 1)
dummy <- as.numeric(seq_len(nrow(bcg_rr)) == 1)
designs <- list(ablat = model.matrix(~ablat, bcg_rr),
                ablat_dummy = cbind(model.matrix(~ablat, bcg_rr), first = dummy))
for (dname in names(designs)) {
  X <- unname(designs[[dname]])
  for (method in c("REML", "DL", "FE", "ML")) {
    for (test in c("z", "knha")) {
      for (w in list(NULL, exact15(1 / sqrt(bcg_rr$vi)))) {
        if (!is.null(w) && (dname != "ablat" || method == "ML")) next
        fit_args <- list(yi = bcg_rr$yi, vi = bcg_rr$vi, mods = X, intercept = FALSE,
                         slab = bcg_rr$slab, method = method, test = test,
                         control = TIGHT)
        if (!is.null(w)) fit_args$weights <- w
        res <- suppressWarnings(do.call(rma, fit_args))
        args <- list(yi = bcg_rr$yi, vi = bcg_rr$vi, X = X, slab = bcg_rr$slab,
                     method = method, test = test, level = 0.95)
        if (!is.null(w)) args$weights <- w
        add(list(id = paste0("bcg_rr_", dname, "-", method, "-", test,
                             if (is.null(w)) "" else "-weights"),
                 call = sprintf("rma(yi, vi, mods=~%s, data=bcg, method=\"%s\", test=\"%s\"%s)",
                                sub("_", " + ", dname), method, test,
                                if (is.null(w)) "" else ", weights=1/sqrt(vi)"),
                 args = args,
                 expected = list(influence = infl_fields(res),
                                 baujat = baujat_fields(res))))
      }
    }
  }
}
