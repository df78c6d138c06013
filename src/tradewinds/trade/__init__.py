"""Trade economics with their sources: exchange rates, freight, duties, Incoterms and landed cost."""
