set terminal pngcairo size 600,900 enhanced font 'Sans,10'
set output 'compounding.png'
set datafile separator ','
set datafile missing 'nan'
set grid
set key top left
set key opaque
set multiplot layout 2,1 title 'Compounding error on push: learner vs expert from the same 100 held-out starts (4 training seeds)'
set xlabel 'timestep t'
set ylabel 'error ‖(Δpusher, Δblock)‖ in the plane (m)'
set xrange [1:200]
set title 'push (expert: waypoints): error vs timestep'
set key top left
plot 'compounding.csv' skip 1 using 1:3:4 with filledcurves fs transparent solid 0.25 noborder lc rgb '#d62728' title 'BC 95% band over seeds', \
     '' skip 1 using 1:2 with lines lw 2 lc rgb '#d62728' title 'BC mean', \
     'compounding.csv' skip 1 using 1:9:10 with filledcurves fs transparent solid 0.25 noborder lc rgb '#1f77b4' title 'DAgger (5 rounds) 95% band over seeds', \
     '' skip 1 using 1:8 with lines lw 2 lc rgb '#1f77b4' title 'DAgger (5 rounds) mean'
set logscale xy
set format y '10^{%L}'
set xrange [1:200]
set yrange [*:*]
set object 1 rect from 1, graph 0 to 10, graph 1 fc rgb '#eeeeee' fs solid 0.5 behind
set title 'push (expert: waypoints): log-log (shaded: slope fit window)'
set key top left
plot 'compounding.csv' skip 1 using 1:2 with lines lw 2 lc rgb '#d62728' title 'BC mean', \
     'compounding.csv' skip 1 using 1:8 with lines lw 2 lc rgb '#1f77b4' title 'DAgger (5 rounds) mean'
unset multiplot
unset logscale
unset object 1
set format y '%g'
set output 'compounding_disagreement.png'
set terminal pngcairo size 600,450 enhanced font 'Sans,10'
set multiplot layout 1,1 title 'Action disagreement with the expert along the learner''s own path'
set xlabel 'timestep t'
set ylabel '‖a_{learner} − a_{expert}‖'
set xrange [1:200]
set title 'push (expert: waypoints)'
set key top left
plot 'compounding.csv' skip 1 using 1:6:7 with filledcurves fs transparent solid 0.25 noborder lc rgb '#d62728' title 'BC 95% band over seeds', \
     '' skip 1 using 1:5 with lines lw 2 lc rgb '#d62728' title 'BC mean', \
     'compounding.csv' skip 1 using 1:12:13 with filledcurves fs transparent solid 0.25 noborder lc rgb '#1f77b4' title 'DAgger (5 rounds) 95% band over seeds', \
     '' skip 1 using 1:11 with lines lw 2 lc rgb '#1f77b4' title 'DAgger (5 rounds) mean'
unset multiplot
