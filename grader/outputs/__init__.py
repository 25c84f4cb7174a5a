"""What a run leaves for people: the results folder (`results`), the PDF reports (`reports`), the
gradebooks (`gradebook`) and the similarity report (`similarity`). They read typed results and know
nothing of how answers were graded."""
