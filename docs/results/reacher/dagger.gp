set terminal pngcairo size 1100,600 enhanced font 'Sans,10'
set output 'dagger.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set title 'DAgger vs BC at equal expert labels, reacher expert jtpd (5 seeds × 100 episodes per point)'
set xlabel 'expert labels (queried states)'
set ylabel 'success rate (bars: 95% CI over seeds; circles: single seeds)'
set yrange [-0.02:1.02]
set key outside right top
plot 'dagger.csv' skip 1 using ($2+0.0):3:4:5 with yerrorlines lw 2 pt 7 lc rgb '#1f77b4' title 'DAgger (β = 0 from round 1)', \
     'dagger.csv' skip 1 using ($2+-12.0):11:12:13 with yerrorlines lw 2 pt 7 lc rgb '#d62728' title 'BC, clean expert demos', \
     'dagger.csv' skip 1 using ($2+12.0):19:20:21 with yerrorlines lw 2 pt 7 lc rgb '#2ca02c' title 'BC + noise injection (σ = 0.25)', \
     'dagger_seeds.csv' skip 1 using ($2+0.0):4 with points pt 6 ps 1.0 lc rgb '#1f77b4' title 'single seeds', \
     'dagger_seeds.csv' skip 1 using ($2+-12.0):5 with points pt 6 ps 1.0 lc rgb '#d62728' notitle, \
     'dagger_seeds.csv' skip 1 using ($2+12.0):6 with points pt 6 ps 1.0 lc rgb '#2ca02c' notitle
