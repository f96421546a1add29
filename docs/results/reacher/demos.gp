set terminal pngcairo size 1300,520 enhanced font 'Sans,10'
set output 'demos.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set multiplot layout 1,2 title 'Learning curves on reacher (jtpd): 5 seeds × 50 held-out episodes per point; bars: t 95% over seeds'
set logscale x 10
set xrange [0.8:125]
set xlabel 'expert demonstrations N (episodes; the same labels for every method)'
set key bottom right
set title 'success'
set ylabel 'success rate'
set yrange [-0.02:1.02]
plot 'demos.csv' skip 1 using ($1*0.95):3:4:5 with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'BC', 'demos.csv' skip 1 using ($1*1.00):11:12:13 with yerrorlines lw 2 pt 7 lc rgb '#ff7f0e' title 'BC + noise (DART)', 'demos.csv' skip 1 using ($1*1.05):19:20:21 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DAgger'
set title 'compounding error vs the expert from the same start'
set ylabel 'mean error (m)'
set autoscale y
set key top right
plot 'demos.csv' skip 1 using ($1*0.95):7:8:9 with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'BC', 'demos.csv' skip 1 using ($1*1.00):15:16:17 with yerrorlines lw 2 pt 7 lc rgb '#ff7f0e' title 'BC + noise (DART)', 'demos.csv' skip 1 using ($1*1.05):23:24:25 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DAgger'
unset multiplot
