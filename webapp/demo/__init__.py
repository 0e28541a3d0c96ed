"""The synthetic demo panel: persons, waves, answers and free text for trying the product."""
