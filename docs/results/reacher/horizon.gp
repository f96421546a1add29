set terminal pngcairo size 1200,500 enhanced font 'Sans,10'
set output 'horizon.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 1,2 title 'Cost gap and failures against the horizon T (reacher, 5 seeds, 100 held-out starts)'
set logscale xy
set xlabel 'horizon T (steps)'
set ylabel 'J(π̂) − J(π*) (mean over seeds, 95% CI)'
set title 'cost gap'
plot 'horizon.csv' skip 1 using 1:4:5:6 with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'BC', \
     '' skip 1 using 1:10:11:12 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DAgger', \
     0.000000*(x/12) dt 2 lc rgb '#777777' title '∝ T', \
     0.000000*(x/12)**2 dt 3 lc rgb '#000000' title '∝ T²'
unset logscale y
set logscale x
set ylabel 'failed episodes (expert succeeds, learner does not)'
set yrange [0:1]
set title 'failures'
plot 'horizon.csv' skip 1 using 1:7:8:9 with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'BC', \
     '' skip 1 using 1:13:14:15 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DAgger'
unset multiplot
